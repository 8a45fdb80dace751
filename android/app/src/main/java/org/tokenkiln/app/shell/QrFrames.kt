package org.tokenkiln.app.shell

import android.content.ContentResolver
import android.net.Uri
import android.os.SystemClock
import org.tokenkiln.app.wizard.LiveScan
import org.tokenkiln.app.wizard.Wizard
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.core.KilnException
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.scanLuma

/**
 * Luma planes (camera frames, shared images) → the Rust QR decoder → the wizard.
 * Live frames go through [LiveScan] (which also drives the "QR code in view but cannot
 * be read" message); a shared image is decoded once.
 */
class QrFrames(private val wizard: Wizard) {
    private val live = LiveScan(wizard, SystemClock::elapsedRealtime)

    /** One camera frame (called on the camera thread; the decoder takes up to ~50 ms). */
    fun onFrame(data: ByteArray, width: Int, height: Int, rowStride: Int) = live.onFrame(data, width, height, rowStride)

    /** A shared image; false when no QR code was found in it. Call off the UI thread. */
    fun onSharedImage(resolver: ContentResolver, uri: Uri): Boolean {
        val (data, w, h) = SharedContent.luma(resolver, uri) ?: return false
        val input = scan(data, w, h, w) ?: return false
        wizard.dispatch(WizardEvent.Scanned(input, shared = true))
        return true
    }

    private fun scan(data: ByteArray, width: Int, height: Int, rowStride: Int): SeedInput? = try {
        scanLuma(data, width.toUInt(), height.toUInt(), rowStride.toUInt())
    } catch (_: KilnException) {
        null // dimensions the decoder refuses (too small/large): skip
    }
}
