// PROBE (issue 8 replaces it with the app's real thin Android glue): uses each framework API
// the app needs, so that compiling this file against an android-all jar shows which of them
// a Maven Central framework jar provides. Nothing here is executed.
package org.tokenkiln.android.check

import android.app.Activity
import android.content.Context
import android.graphics.ImageFormat
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.media.ImageReader
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import android.os.Build
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.os.SystemClock
import android.view.HapticFeedbackConstants
import android.view.WindowManager
import java.io.IOException

/** Reader mode + IsoDep: one exchange, with tag loss told apart from other I/O errors. */
class ProbeActivity : Activity(), NfcAdapter.ReaderCallback {
    private var adapter: NfcAdapter? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        adapter = NfcAdapter.getDefaultAdapter(this)
    }

    override fun onResume() {
        super.onResume()
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
        adapter?.enableReaderMode(this, this, flags, Bundle())
    }

    override fun onPause() {
        adapter?.disableReaderMode(this)
        super.onPause()
    }

    override fun onTagDiscovered(tag: Tag) {
        val isoDep = IsoDep.get(tag) ?: return
        val outcome = try {
            isoDep.connect()
            isoDep.timeout = 2000
            val response = isoDep.transceive(byteArrayOf(0x00, 0xA4.toByte(), 0x04, 0x00))
            "ok ${response.size} bytes, max ${isoDep.maxTransceiveLength}"
        } catch (e: TagLostException) {
            "link lost: ${e.message}"
        } catch (e: IOException) {
            "io error: ${e.message}"
        } finally {
            runCatching { isoDep.close() }
        }
        runOnUiThread {
            window.decorView.performHapticFeedback(HapticFeedbackConstants.CONFIRM)
            window.decorView.announceForAccessibility(outcome)
        }
    }

    /** Where the NFC antenna is (API 34+), in millimetres from the device's top-left corner. */
    fun antennaPositions(): List<Pair<Int, Int>> {
        if (Build.VERSION.SDK_INT < 34) return emptyList()
        val info = adapter?.nfcAntennaInfo ?: return emptyList()
        return info.availableNfcAntennas.map { it.locationX to it.locationY }
    }
}

/** Network-derived time when the platform offers it (API 33+), else null. */
fun networkTimeMillis(): Long? {
    if (Build.VERSION.SDK_INT < 33) return null
    return try {
        SystemClock.currentNetworkTimeClock().millis()
    } catch (e: java.time.DateTimeException) {
        null
    }
}

/** camera2 + ImageReader: the Y plane with its row stride, as the Rust decoder wants it. */
class CameraProbe(private val context: Context) {
    private val handler = Handler(Looper.getMainLooper())
    private val reader = ImageReader.newInstance(1280, 720, ImageFormat.YUV_420_888, 2)

    // Caller holds android.permission.CAMERA (androidx.annotation is not on Maven Central).
    fun start(onLuma: (ByteArray, Int, Int, Int) -> Unit) {
        reader.setOnImageAvailableListener({ r ->
            val image = r.acquireLatestImage() ?: return@setOnImageAvailableListener
            image.use {
                val plane = it.planes[0]
                val buffer = plane.buffer
                val bytes = ByteArray(buffer.remaining())
                buffer.get(bytes)
                onLuma(bytes, it.width, it.height, plane.rowStride)
            }
        }, handler)
        val manager = context.getSystemService(CameraManager::class.java) ?: return
        val backId = manager.cameraIdList.firstOrNull { id ->
            manager.getCameraCharacteristics(id).get(CameraCharacteristics.LENS_FACING) ==
                CameraCharacteristics.LENS_FACING_BACK
        } ?: return
        manager.openCamera(backId, object : CameraDevice.StateCallback() {
            override fun onOpened(camera: CameraDevice) {
                val request = camera.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                    addTarget(reader.surface)
                    set(CaptureRequest.FLASH_MODE, CaptureRequest.FLASH_MODE_TORCH)
                }
                @Suppress("DEPRECATION")
                camera.createCaptureSession(listOf(reader.surface), object : CameraCaptureSession.StateCallback() {
                    override fun onConfigured(session: CameraCaptureSession) {
                        session.setRepeatingRequest(request.build(), null, handler)
                    }

                    override fun onConfigureFailed(session: CameraCaptureSession) = Unit
                }, handler)
            }

            override fun onDisconnected(camera: CameraDevice) = camera.close()

            override fun onError(camera: CameraDevice, error: Int) = camera.close()
        }, handler)
    }
}
