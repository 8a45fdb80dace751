package org.tokenkiln.app.wizard

import org.tokenkiln.core.FrameScan
import org.tokenkiln.core.QrScanner
import org.tokenkiln.core.UnreadableHint

/**
 * The live camera preview's frames → the wizard. Each frame goes through one Rust
 * [QrScanner], which decodes it and steadies the "a QR code is in view but cannot be
 * read" message across frames. The wizard hears of a decoded code at once, and of the
 * message only when it differs from what the scan screen shows.
 *
 * Call [onFrame] from one thread at a time (the camera's analysis thread). [nowMs]:
 * a monotonic clock in milliseconds (Android: `SystemClock.elapsedRealtime`).
 */
class LiveScan(private val wizard: Wizard, private val nowMs: () -> Long) {
    private val scanner = QrScanner()

    /** One luma plane with its row stride; takes up to ~50 ms. */
    fun onFrame(data: ByteArray, width: Int, height: Int, rowStride: Int) {
        val w = width.toUInt()
        val h = height.toUInt()
        val stride = rowStride.toUInt()
        when (val r = scanner.scanFrame(data, w, h, stride, nowMs().toULong())) {
            is FrameScan.Found -> wizard.dispatch(WizardEvent.Scanned(r.input))
            is FrameScan.Looking -> {
                val shown: UnreadableHint? = (wizard.state as? WizardState.GetSeed)?.qrUnreadable
                if (r.unreadable != shown) wizard.dispatch(WizardEvent.QrUnreadable(r.unreadable))
            }
        }
    }
}
