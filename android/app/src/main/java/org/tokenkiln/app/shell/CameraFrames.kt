package org.tokenkiln.app.shell

import android.annotation.SuppressLint
import android.content.Context
import android.graphics.ImageFormat
import android.graphics.Rect
import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraAccessException
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
import android.util.Size
import android.view.Surface
import org.tokenkiln.app.wizard.useThenWipe
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The back camera, with camera2 only (no CameraX: it lives on Google's Maven): a preview on
 * a SurfaceTexture and YUV_420_888 frames from an ImageReader, at the supported size closest
 * to 1280×720. Each frame's Y (luma) plane goes to [onLuma] as packed bytes with its row
 * stride, which the shell hands straight to the Rust decoder (`QrScanner.scanFrame`, via `QrFrames`). One frame at a
 * time; frames arriving while one is decoded are dropped.
 *
 * Threads: [open], [close], [setTorch] and [stepZoom] may be called from the UI thread; the
 * device, session and reader are touched only on a private camera thread. [onLuma] and
 * [onError] run on the camera thread (or, for [onError], on the caller of [open]). After
 * [onError] the camera is released: call [close] anyway, it is idempotent. A failure is
 * reported at most once, and never after [close].
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
    private val busy = AtomicBoolean(false)

    /** Set once, by [close] or a failure; checked by every camera-thread callback. */
    private val closed = AtomicBoolean(false)

    // Camera thread only.
    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var reader: ImageReader? = null
    private var previewSurface: Surface? = null
    private var request: CaptureRequest.Builder? = null
    private var zoom = 1f

    /** openCamera was called and none of its callbacks has come yet: the thread must live on. */
    private var opening = false

    @Volatile
    private var characteristics: CameraCharacteristics? = null

    @Volatile
    var torchOn: Boolean = false
        private set

    /** The preview buffer's size (landscape, as the sensor delivers it); known after a successful [open]. */
    @Volatile
    var bufferSize: Size? = null
        private set

    /** Known after a successful [open]. */
    val hasTorch: Boolean
        get() = characteristics?.get(CameraCharacteristics.FLASH_INFO_AVAILABLE) == true

    /**
     * Opens the back camera, previewing into [preview] (a TextureView's SurfaceTexture).
     * False when it failed at once ([onError] was called); the device itself opens later.
     */
    fun open(preview: SurfaceTexture): Boolean {
        if (closed.get()) return false
        val manager = context.getSystemService(CameraManager::class.java) ?: return failNow("no camera service")
        return try {
            val id = backCameraId(manager) ?: return failNow("no camera")
            val c = manager.getCameraCharacteristics(id)
            val map = c.get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP) ?: return failNow("no stream configurations")
            val yuv = map.getOutputSizes(ImageFormat.YUV_420_888)?.toList().orEmpty()
            val previewSizes = map.getOutputSizes(SurfaceTexture::class.java)?.toList().orEmpty()
            val size = frameSize(yuv.filter { it in previewSizes }.ifEmpty { yuv }) ?: return failNow("no YUV frame size")
            characteristics = c
            bufferSize = size
            preview.setDefaultBufferSize(size.width, size.height)
            handler.post { start(manager, id, preview, size) }
            true
        } catch (e: CameraAccessException) {
            failNow("camera not accessible (${e.reason})")
        } catch (e: SecurityException) {
            failNow("camera refused: ${e.message}")
        } catch (e: IllegalArgumentException) {
            failNow("camera unknown: ${e.message}")
        }
    }

    @SuppressLint("MissingPermission") // checked by the caller before open()
    private fun start(manager: CameraManager, id: String, preview: SurfaceTexture, size: Size) {
        if (closed.get()) return
        try {
            val surface = Surface(preview)
            previewSurface = surface
            val imageReader = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 2)
            reader = imageReader
            imageReader.setOnImageAvailableListener({ r -> frame(r) }, handler)
            opening = true
            manager.openCamera(id, object : CameraDevice.StateCallback() {
                override fun onOpened(camera: CameraDevice) {
                    opening = false
                    if (closed.get()) {
                        camera.close()
                        finish()
                        return
                    }
                    device = camera
                    startSession(camera, surface, imageReader.surface)
                }

                override fun onDisconnected(camera: CameraDevice) {
                    opening = false
                    camera.close()
                    if (device === camera) device = null
                    if (closed.get()) finish() else fail("camera taken by another app")
                }

                override fun onError(camera: CameraDevice, error: Int) {
                    opening = false
                    camera.close()
                    if (device === camera) device = null
                    if (closed.get()) finish() else fail("camera error $error")
                }
            }, handler)
        } catch (e: CameraAccessException) {
            opening = false
            fail("camera not accessible (${e.reason})")
        } catch (e: SecurityException) {
            opening = false
            fail("camera refused: ${e.message}")
        } catch (e: IllegalArgumentException) {
            opening = false
            fail("camera unknown: ${e.message}")
        } catch (e: Surface.OutOfResourcesException) {
            opening = false
            fail("no preview surface: ${e.message}")
        }
    }

    @Suppress("DEPRECATION") // createCaptureSession(List<Surface>, …): the only form on API 26-27
    private fun startSession(camera: CameraDevice, preview: Surface, frames: Surface) {
        try {
            val builder = camera.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                addTarget(preview)
                addTarget(frames)
                set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
            }
            request = builder
            camera.createCaptureSession(listOf(preview, frames), object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    if (closed.get()) {
                        s.close()
                        return
                    }
                    session = s
                    repeat()
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    fail("camera session failed")
                }
            }, handler)
        } catch (e: CameraAccessException) {
            fail("camera not accessible (${e.reason})")
        } catch (e: IllegalArgumentException) {
            fail("camera session refused: ${e.message}")
        } catch (e: IllegalStateException) {
            fail("camera closed: ${e.message}")
        }
    }

    /** (Re)starts the repeating request with the current torch and zoom. Camera thread. */
    private fun repeat() {
        if (closed.get()) return
        val s = session ?: return
        val b = request ?: return
        try {
            s.setRepeatingRequest(b.build(), null, handler)
        } catch (e: CameraAccessException) {
            fail("camera not accessible (${e.reason})")
        } catch (e: IllegalStateException) {
            fail("camera closed: ${e.message}")
        } catch (e: IllegalArgumentException) {
            fail("camera request refused: ${e.message}")
        }
    }

    fun setTorch(on: Boolean) {
        torchOn = on
        handler.post {
            request?.set(CaptureRequest.FLASH_MODE, if (on) CaptureRequest.FLASH_MODE_TORCH else CaptureRequest.FLASH_MODE_OFF)
            repeat()
        }
    }

    /** Steps the zoom in or out (×1.5 per step, within what the camera supports). */
    fun stepZoom(zoomIn: Boolean) {
        handler.post {
            val c = characteristics ?: return@post
            val b = request ?: return@post
            val max = c.get(CameraCharacteristics.SCALER_AVAILABLE_MAX_DIGITAL_ZOOM) ?: 1f
            zoom = (if (zoomIn) zoom * 1.5f else zoom / 1.5f).coerceIn(1f, max.coerceAtLeast(1f).coerceAtMost(8f))
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                b.set(CaptureRequest.CONTROL_ZOOM_RATIO, zoom)
            } else {
                val array = c.get(CameraCharacteristics.SENSOR_INFO_ACTIVE_ARRAY_SIZE) ?: return@post
                val w = (array.width() / zoom).toInt()
                val h = (array.height() / zoom).toInt()
                val left = (array.width() - w) / 2
                val top = (array.height() - h) / 2
                b.set(CaptureRequest.SCALER_CROP_REGION, Rect(left, top, left + w, top + h))
            }
            repeat()
        }
    }

    /** Camera thread. */
    private fun frame(r: ImageReader) {
        val image: Image = try {
            r.acquireLatestImage() ?: return
        } catch (_: IllegalStateException) {
            return // reader closed, or too many images held
        }
        try {
            if (closed.get()) return
            if (!busy.compareAndSet(false, true)) return
            try {
                val (data, stride) = lumaOf(image)
                // This copy of the frame may show a seed's QR code: zeroed after the decoder ran.
                data.useThenWipe { onLuma(it, image.width, image.height, stride) }
            } finally {
                busy.set(false)
            }
        } finally {
            image.close()
        }
    }

    /** Stops the camera and releases everything; idempotent. Any thread. */
    fun close() {
        if (!closed.compareAndSet(false, true)) return
        torchOn = false
        handler.post { finish() }
    }

    /** A failure on the caller's thread, before anything was handed to the camera thread. */
    private fun failNow(message: String): Boolean {
        if (closed.compareAndSet(false, true)) {
            handler.post { finish() }
            onError(message)
        }
        return false
    }

    /** A failure on the camera thread: release, then tell the caller (once, never after close). */
    private fun fail(message: String) {
        if (!closed.compareAndSet(false, true)) return
        finish()
        onError(message)
    }

    /**
     * Camera thread: releases the session, the device, the reader and the preview surface,
     * then ends the thread — unless openCamera's answer is still due (onOpened then closes
     * the device and comes back here).
     */
    private fun finish() {
        try {
            session?.close()
        } catch (_: IllegalStateException) {
            // already closed with its device
        }
        session = null
        request = null
        device?.close()
        device = null
        reader?.close()
        reader = null
        previewSurface?.release()
        previewSurface = null
        if (!opening) thread.quitSafely()
    }

    private fun backCameraId(manager: CameraManager): String? =
        manager.cameraIdList.firstOrNull { id ->
            manager.getCameraCharacteristics(id).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
        } ?: manager.cameraIdList.firstOrNull()

    companion object {
        private const val WANT_WIDTH = 1280
        private const val WANT_HEIGHT = 720
        private const val MAX_WIDTH = 1920

        /**
         * The size closest to 1280×720 (sum of the width and height differences, then the
         * smaller one), preferring sizes at most 1920 wide; null when [sizes] is empty.
         */
        fun frameSize(sizes: List<Size>): Size? {
            val fit = sizes.filter { it.width <= MAX_WIDTH }.ifEmpty { sizes }
            return fit.minWithOrNull(
                compareBy<Size>({ Math.abs(it.width - WANT_WIDTH) + Math.abs(it.height - WANT_HEIGHT) }, { it.width * it.height }),
            )
        }

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
