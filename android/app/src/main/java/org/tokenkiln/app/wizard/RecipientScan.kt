package org.tokenkiln.app.wizard

import org.tokenkiln.core.QrScanner

/**
 * Camera frames → the core's recipient scan → the batch wizard: the admin's age public key
 * shown as a QR code (e.g. on their laptop) becomes [BatchEvent.SetRecipient]. The core returns
 * only a valid `age1…` public key; any other code (a seed) never reaches Kotlin. Each frame's
 * luma copy is zeroed after the decoder ran. One frame at a time (the camera thread).
 */
class RecipientScan(private val wizard: BatchWizard) {
    private val scanner = QrScanner()

    /** True once a key was found (the shell closes the camera). */
    @Volatile var found = false
        private set

    fun onFrame(data: ByteArray, width: Int, height: Int, rowStride: Int) {
        if (found) return
        val key = data.useThenWipe { scanner.scanRecipient(it, width.toUInt(), height.toUInt(), rowStride.toUInt()) } ?: return
        found = true
        wizard.dispatch(BatchEvent.SetRecipient(key))
    }
}
