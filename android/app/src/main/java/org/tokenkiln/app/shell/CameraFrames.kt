package org.tokenkiln.app.shell

import android.annotation.SuppressLint
import android.content.Context
import android.graphics.ImageFormat
import android.graphics.Rect
import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.media.Image
import android.media.ImageReader
import android.os.Build
import android.os.Handler
import android.os.HandlerThread
import android.view.Surface
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The back camera, with camera2 only (no CameraX: it lives on Google's Maven): a preview on
 * a SurfaceTexture and YUV_420_888 frames from an ImageReader. Each frame's Y (luma) plane
 * goes to [onLuma] as packed bytes with its row stride, which the shell hands straight to
 * the Rust decoder (`scanLuma`). One frame at a time; frames arriving while one is decoded
 * are dropped. All callbacks run on a private background thread.
 *
 * The caller holds the CAMERA permission before [open].
 */
class CameraFrames(
    private val context: Context,
    private val onLuma: (data: ByteArray, width: Int, height: Int, rowStride: Int) -> Unit,
    private val onError: (String) -> Unit,
) {
    private val thread = HandlerThread("kiln-camera").apply { start() }
    private val handler = Handler(thread.looper)
    private val manager = context.getSystemService(CameraManager::class.java)
    private val busy = AtomicBoolean(false)

    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var reader: ImageReader? = null
    private var request: CaptureRequest.Builder? = null
    private var characteristics: CameraCharacteristics? = null
    private var zoom = 1f

    var torchOn: Boolean = false
        private set

    val hasTorch: Boolean
        get() = characteristics?.get(CameraCharacteristics.FLASH_INFO_AVAILABLE) == true

    private fun backCameraId(): String? {
        val m = manager ?: return null
        return m.cameraIdList.firstOrNull { id ->
            m.getCameraCharacteristics(id).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
        } ?: m.cameraIdList.firstOrNull()
    }

    /** Opens the back camera, previewing into [preview] (a TextureView's SurfaceTexture). */
    @SuppressLint("MissingPermission")
    fun open(preview: SurfaceTexture, width: Int = 1280, height: Int = 720) {
        val m = manager ?: return onError("no camera service")
        val id = backCameraId() ?: return onError("no camera")
        characteristics = m.getCameraCharacteristics(id)
        preview.setDefaultBufferSize(width, height)
        val previewSurface = Surface(preview)
        val imageReader = ImageReader.newInstance(width, height, ImageFormat.YUV_420_888, 2)
        imageReader.setOnImageAvailableListener({ r -> r.acquireLatestImage()?.let { frame(it) } }, handler)
        reader = imageReader
        m.openCamera(id, object : CameraDevice.StateCallback() {
            override fun onOpened(camera: CameraDevice) {
                device = camera
                startSession(camera, previewSurface, imageReader.surface)
            }

            override fun onDisconnected(camera: CameraDevice) {
                camera.close()
                device = null
            }

            override fun onError(camera: CameraDevice, error: Int) {
                camera.close()
                device = null
                onError("camera error $error")
            }
        }, handler)
    }

    @Suppress("DEPRECATION") // createCaptureSession(List<Surface>, …): the only form on API 26-27
    private fun startSession(camera: CameraDevice, preview: Surface, frames: Surface) {
        val builder = camera.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
            addTarget(preview)
            addTarget(frames)
            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
        }
        request = builder
        camera.createCaptureSession(listOf(preview, frames), object : CameraCaptureSession.StateCallback() {
            override fun onConfigured(s: CameraCaptureSession) {
                session = s
                repeat()
            }

            override fun onConfigureFailed(s: CameraCaptureSession) {
                onError("camera session failed")
            }
        }, handler)
    }

    private fun repeat() {
        val s = session ?: return
        val b = request ?: return
        try {
            s.setRepeatingRequest(b.build(), null, handler)
        } catch (e: Exception) {
            onError(e.message ?: "camera request failed")
        }
    }

    fun setTorch(on: Boolean) {
        torchOn = on
        request?.set(CaptureRequest.FLASH_MODE, if (on) CaptureRequest.FLASH_MODE_TORCH else CaptureRequest.FLASH_MODE_OFF)
        repeat()
    }

    /** Steps the zoom in or out (×1.5 per step, within what the camera supports). */
    fun stepZoom(zoomIn: Boolean) {
        val c = characteristics ?: return
        val b = request ?: return
        val max = c.get(CameraCharacteristics.SCALER_AVAILABLE_MAX_DIGITAL_ZOOM) ?: 1f
        zoom = (if (zoomIn) zoom * 1.5f else zoom / 1.5f).coerceIn(1f, max.coerceAtMost(8f))
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            b.set(CaptureRequest.CONTROL_ZOOM_RATIO, zoom)
        } else {
            val array = c.get(CameraCharacteristics.SENSOR_INFO_ACTIVE_ARRAY_SIZE) ?: return
            val w = (array.width() / zoom).toInt()
            val h = (array.height() / zoom).toInt()
            val left = (array.width() - w) / 2
            val top = (array.height() - h) / 2
            b.set(CaptureRequest.SCALER_CROP_REGION, Rect(left, top, left + w, top + h))
        }
        repeat()
    }

    private fun frame(image: Image) {
        try {
            if (!busy.compareAndSet(false, true)) return
            try {
                val (data, stride) = lumaOf(image)
                onLuma(data, image.width, image.height, stride)
            } finally {
                busy.set(false)
            }
        } finally {
            image.close()
        }
    }

    fun close() {
        session?.close()
        session = null
        device?.close()
        device = null
        reader?.close()
        reader = null
        thread.quitSafely()
    }

    companion object {
        /**
         * The Y plane of a YUV_420_888 image as `rowStride × height` bytes (the last row padded:
         * the buffer may end right after the last pixel), and its row stride.
         */
        fun lumaOf(image: Image): Pair<ByteArray, Int> {
            val plane = image.planes[0]
            val buffer = plane.buffer.duplicate()
            buffer.rewind()
            val stride = plane.rowStride
            val data = ByteArray(stride * image.height)
            buffer.get(data, 0, minOf(buffer.remaining(), data.size))
            return data to stride
        }
    }
}
