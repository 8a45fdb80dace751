package org.tokenkiln.app.shell

import android.content.ContentResolver
import android.net.Uri
import android.os.SystemClock
import org.tokenkiln.app.wizard.LiveScan
import org.tokenkiln.app.wizard.Wizard
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.useThenWipe
import org.tokenkiln.core.ImageScan
import org.tokenkiln.core.scanImage

/**
 * Luma planes (camera frames, shared images) → the Rust QR decoder → the wizard.
 * Live frames go through [LiveScan] (which also drives the "QR code in view but cannot
 * be read" message); a shared image is examined once (`scanImage`).
 */
class QrFrames(private val wizard: Wizard) {
    private val live = LiveScan(wizard, SystemClock::elapsedRealtime)

    /** One camera frame (called on the camera thread; the decoder takes up to ~50 ms). */
    fun onFrame(data: ByteArray, width: Int, height: Int, rowStride: Int) = live.onFrame(data, width, height, rowStride)

    /**
     * A shared image: a decoded code goes to the wizard (and [ImageScan.Found] is returned);
     * otherwise what the image holds, for the shell to say (no code, or a code that is
     * visible but cannot be read, with advice). Call off the UI thread (up to ~2 s).
     */
    fun onSharedImage(resolver: ContentResolver, uri: Uri): ImageScan {
        val (data, w, h) = SharedContent.luma(resolver, uri) ?: return ImageScan.NoCode
        // The luma copy may show the seed's QR code: zeroed once decoded.
        val r = data.useThenWipe { scanImage(it, w.toUInt(), h.toUInt(), w.toUInt()) }
        if (r is ImageScan.Found) wizard.dispatch(WizardEvent.Scanned(r.input, shared = true))
        return r
    }
}
