package org.tokenkiln.app.wizard

import org.tokenkiln.core.ReportFact
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.TokenLink
import org.tokenkiln.core.UnknownModelKey
import org.tokenkiln.core.UnreadableHint

/** Everything that can happen to the wizard: user actions, camera results, token taps. */
sealed interface WizardEvent {
    data class ChooseInputMode(val mode: InputMode) : WizardEvent

    /**
     * A QR code was decoded: from the live camera (only heard on the scan screen), or
     * [shared] as an image from another app (follows the rules of [Shared]).
     */
    data class Scanned(val input: SeedInput, val shared: Boolean = false) : WizardEvent

    /**
     * The live preview's "a QR code is in view but cannot be read" message changed
     * (`QrScanner` steadies it across frames); null: no message. Also cleared by
     * [Scanned] and by a mode change.
     */
    data class QrUnreadable(val hint: UnreadableHint?) : WizardEvent

    /** The typed field changed (live validation; the text is not kept). */
    data class TypedChanged(val text: String) : WizardEvent

    /** The user pressed "Continue" under the typed field (or pasted a link). */
    data class TypedSubmitted(val text: String) : WizardEvent

    /** Text (an `otpauth://` link) or a QR image's payload received from another app. */
    data class Shared(val text: String) : WizardEvent

    data class PickAccount(val index: Int) : WizardEvent
    data class ChooseEncoding(val asHex: Boolean) : WizardEvent
    data class SetSettings(val algorithm: String, val period: Int) : WizardEvent
    data class SetDisplayTimeout(val seconds: Int) : WizardEvent

    /**
     * Confirm: set the token clock from the reference clock (true, the default) or keep the
     * token's own time. On the unverified-clock warning, `SetSyncClock(false)` goes on
     * without setting the clock.
     */
    data class SetSyncClock(val on: Boolean) : WizardEvent

    /**
     * A token that may be blank after a lost contact: the first event asks (the screen says
     * what giving it up means), the second gives it up and returns to Confirm with the same
     * seed for another token. Back cancels the question.
     */
    data object AbandonToken : WizardEvent

    /** "Continue" on the confirm screen. */
    data object ConfirmSeed : WizardEvent

    /** "Use the phone clock anyway" on the clock warning. */
    data object AcceptUnverifiedClock : WizardEvent

    /**
     * Reader mode delivered a token. Runs the session on the calling thread (blocking).
     * [facts]: what the phone's NFC stack tells about it (for a first-contact report).
     */
    data class TokenTapped(val link: TokenLink, val facts: List<ReportFact> = emptyList()) : WizardEvent

    /** The explicit, warned key choice for an unknown model (used for the next burn only). */
    data class ChooseUnknownModelKey(val key: UnknownModelKey) : WizardEvent

    /** Unknown model: show the first-contact report (the text is read before it is shared). */
    data object ShowReport : WizardEvent

    /** After a refused key: the user decides to try once more (never automatic). */
    data object TryAgain : WizardEvent

    /** The code the token shows, typed on the verify screen. */
    data class CodeRead(val code: String) : WizardEvent

    data object Back : WizardEvent
    data object StartOver : WizardEvent
}
