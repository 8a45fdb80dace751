package org.tokenkiln.app.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color

/**
 * What the platform shell gives the screens: the camera preview (an Android view on the phone,
 * a placeholder in the render test), camera controls, clipboard, NFC facts and the clock.
 * Everything here is plain data or lambdas, so the screens stay pure Compose.
 */
class ShellUi(
    /** Reference-clock Unix seconds; the shell ticks it every second (countdown, codes). */
    val nowSecs: Long,
    val cameraPreview: @Composable (Modifier) -> Unit = { m -> Box(m.background(Color(0xFF000000))) },
    val torchOn: Boolean = false,
    /** Null when the camera has no torch. */
    val onTorch: ((Boolean) -> Unit)? = null,
    /** Zoom in (true) or out (false); null without zoom. */
    val onZoom: ((Boolean) -> Unit)? = null,
    /** Returns the clipboard's text and clears the clipboard; null when nothing to paste. */
    val onPaste: (() -> String?)? = null,
    /**
     * Text that arrived in a secret field in one go (the keyboard's or a long-press paste,
     * see [pastedChunk]): the shell clears the clipboard if it holds that text.
     */
    val onInserted: ((String) -> Unit)? = null,
    /** Where the NFC antenna is ("near the top of the back"), from NfcAntennaInfo; null if unknown. */
    val antennaHint: String? = null,
    /** The antenna's height on the back, 0 (top) … 1 (bottom); null if unknown. */
    val antennaY: Float? = null,
    /** NFC is switched on (false also when the phone has none: see [nfcPresent]). */
    val nfcEnabled: Boolean = true,
    /** The phone has NFC at all. */
    val nfcPresent: Boolean = true,
    /** Opens the system's NFC settings; null where that cannot be offered. */
    val onNfcSettings: (() -> Unit)? = null,
    /** Opens the system share sheet with this text (a first-contact report); null: cannot share. */
    val onShareText: ((String) -> Unit)? = null,
    /** Opens "Enrol many tokens" (the batch screens); null where the shell offers no batch. */
    val onBatch: (() -> Unit)? = null,
    /** Pre-filled typed key (the render test shows the typing screen with text). */
    val initialTyped: String = "",
    /** Pre-filled code on the verify screen. */
    val initialCode: String = "",
)
