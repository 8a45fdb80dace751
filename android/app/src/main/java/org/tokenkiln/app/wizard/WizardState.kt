package org.tokenkiln.app.wizard

import org.tokenkiln.core.AmbiguousSeed
import org.tokenkiln.core.BurnReport
import org.tokenkiln.core.Diagnosis
import org.tokenkiln.core.DriftView
import org.tokenkiln.core.MigrationAccount
import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.Seed
import org.tokenkiln.core.SeedInfo
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.UnknownModelKey
import org.tokenkiln.core.UnreadableHint

/** How the user gives the seed on the first screen. */
enum class InputMode { Scan, Type }

/** Where a seed came from: a refusal reads differently for a wrong QR code and for a typo. */
enum class SeedSource { Scan, Typed, Shared }

/** Display auto-off times the token family supports, seconds. */
val DISPLAY_TIMEOUTS: List<Int> = listOf(15, 30, 60, 120)

/** Algorithms and periods a typed seed can be given (tokens always show 6 digits). */
val ALGORITHMS: List<String> = listOf("SHA1", "SHA256")
val PERIODS: List<Int> = listOf(30, 60)

/** Live check of the text in the "type the seed" field. Holds no secret. */
sealed interface TypedCheck {
    data object Empty : TypedCheck
    data class Valid(val bits: Int) : TypedCheck

    /** A pasted Google Authenticator export link with this many accounts. */
    data class Export(val accounts: Int) : TypedCheck
    data class Ambiguous(val hexBits: Int, val base32Bits: Int) : TypedCheck
    data class Invalid(val reason: String, val suggestions: List<String>) : TypedCheck
}

/** Why the last seed given was refused (shown on the first screen). */
data class SeedProblem(
    val source: SeedSource,
    /** The core's sentence, e.g. the Microsoft push-QR explanation. */
    val reason: String,
    /** Look-alike characters that may explain a typo (never applied by themselves). */
    val suggestions: List<String>,
) {
    /** A QR code was read but it is not a TOTP seed (e.g. a Microsoft push registration). */
    val wrongQr: Boolean get() = source == SeedSource.Scan
}

/** What the user confirmed: everything a burn needs. */
data class BurnJob(
    val seed: Seed,
    val info: SeedInfo,
    val displayTimeoutSecs: Int,
    val clock: ReferenceClock,
    /** Set only by an explicit, warned choice on the unknown-model screen; used for one burn. */
    val unknownModelKey: UnknownModelKey? = null,
    /** Set the token clock from the reference clock (usual); false: the token keeps its own time. */
    val syncClock: Boolean = true,
)

/** The stages of one contact, in order. */
enum class ContactStage { Connecting, Found, Authenticated, ConfigWritten, SeedWritten, Confirmed }

/** What the current (or last) contact has found and done so far. */
data class Progress(
    val stage: ContactStage = ContactStage.Connecting,
    val serial: String? = null,
    val model: String? = null,
    val drift: DriftView? = null,
    /** The core's sentence for the command in flight ("Writing the seed…"). */
    val step: String? = null,
) {
    fun after(event: SessionEvent): Progress = when (event) {
        is SessionEvent.TokenFound -> copy(stage = ContactStage.Found, serial = event.serial, model = event.model)
        is SessionEvent.DriftMeasured -> copy(drift = event.drift)
        is SessionEvent.Authenticated -> copy(stage = ContactStage.Authenticated)
        is SessionEvent.ConfigWritten -> copy(stage = ContactStage.ConfigWritten)
        is SessionEvent.SeedWritten -> copy(stage = ContactStage.SeedWritten)
        is SessionEvent.Confirmed -> copy(stage = ContactStage.Confirmed)
        is SessionEvent.Step -> copy(step = event.text)
    }
}

/** Why a contact failed, with what it means for the token. */
sealed interface Failure {
    val message: String

    /**
     * The token left the field. [tokenMayBeBlank]: it may hold no seed now (a restricted
     * model's clock write erased it); tapping again finishes the burn, on [resumeSerial] only.
     */
    data class LinkLost(
        override val message: String,
        val tokenMayBeBlank: Boolean,
        val resumeSerial: String?,
    ) : Failure

    /**
     * The token refused a command (the key, or a write), or answered a write with something
     * this family never sends. The contact is over: the token is never contacted again by
     * itself (repeated attempts can lock a token for good), only after the user chose to try
     * once more ([WizardEvent.TryAgain]). [tokenMayBeBlank] / [resumeSerial]: a refused write
     * may have left the token without a seed; that try must be on the same serial.
     */
    data class Refused(
        override val message: String,
        val triesLeft: Int?,
        val tokenMayBeBlank: Boolean = false,
        val resumeSerial: String? = null,
    ) : Failure

    /** The core refused the seed or a setting; nothing was sent. */
    data class Refusal(override val message: String) : Failure

    /** A bug in the app or the core. */
    data class Internal(override val message: String) : Failure
}

/** One row of a Google Authenticator export. */
data class AccountRow(val index: Int, val info: SeedInfo, val kind: String) {
    val burnable: Boolean get() = info.burnable && kind == "totp"
}

/** The wizard's screens. Each holds exactly what its screen shows; no seed bytes. */
sealed interface WizardState {
    /** Step 1: scan, type, paste or receive the seed. */
    data class GetSeed(
        val mode: InputMode = InputMode.Scan,
        val typed: TypedCheck = TypedCheck.Empty,
        /** A QR code is in view but cannot be read, with the advice to show; null: none. */
        val qrUnreadable: UnreadableHint? = null,
        val problem: SeedProblem? = null,
    ) : WizardState

    /** A Google Authenticator export: pick the account to burn. */
    data class PickAccount(
        val rows: List<AccountRow>,
        val warnings: List<String>,
        internal val accounts: List<MigrationAccount>,
    ) : WizardState

    /** Typed text that is valid Hex and valid Base32: the user says which. */
    data class AskEncoding(
        val asHex: SeedInfo,
        val asBase32: SeedInfo,
        val hexBits: Int,
        val base32Bits: Int,
        internal val choice: AmbiguousSeed,
    ) : WizardState

    /** Step 2: what will be written, and anything the token cannot do, before a token is touched. */
    data class Confirm(
        val seed: Seed,
        val info: SeedInfo,
        val source: SeedSource,
        val displayTimeoutSecs: Int,
        val clock: ReferenceClock,
        /** Typed seeds carry no settings: the user picks algorithm and period. */
        val settingsEditable: Boolean,
        /** Set the token clock from [clock] (usual); false: keep the token's own time. */
        val syncClock: Boolean = true,
    ) : WizardState {
        val canContinue: Boolean get() = info.burnable
    }

    /** The phone clock is not verified: say so and ask before a token clock is set from it. */
    data class ClockUnverified(val job: BurnJob) : WizardState

    /** Step 3: reader mode is on; switch the token on and hold it to the phone. */
    data class Hold(val job: BurnJob) : WizardState

    /** In contact: found, measured, writing, confirming. */
    data class InContact(val job: BurnJob, val progress: Progress, val resumeSerial: String?) : WizardState

    /** Written and confirmed: switch the token off and on, then compare codes. */
    data class Done(
        val job: BurnJob,
        val report: BurnReport,
        /** The user's code read off the token and what it means. */
        val check: CodeCheck? = null,
    ) : WizardState

    /**
     * The contact failed; [failure] says what that means for the token. [abandonAsked]: on a
     * token that may be blank, the user asked to give it up and is shown what that means
     * before a second, explicit [WizardEvent.AbandonToken]. [retryArmed]: after a refused
     * write that may have left the token blank, the user chose to try once more
     * ([WizardEvent.TryAgain]): the next tap of the same token is one more contact.
     */
    data class Failed(
        val job: BurnJob,
        val failure: Failure,
        val progress: Progress,
        val abandonAsked: Boolean = false,
        val retryArmed: Boolean = false,
    ) : WizardState {
        /**
         * Tapping a token again continues (reader mode stays on): after a lost link, or after
         * a refusal only once the user chose to try once more.
         */
        val tapAgain: Boolean get() = failure is Failure.LinkLost || retryArmed

        /** Only the same token may be tapped next (it may hold no seed now). */
        val mustResume: Boolean get() = when (failure) {
            is Failure.LinkLost -> failure.tokenMayBeBlank
            is Failure.Refused -> failure.tokenMayBeBlank
            else -> false
        }
    }

    /** A serial the model table does not know: read-only unless the user names a key, once. */
    data class UnknownModel(
        val job: BurnJob,
        val serial: String,
        val message: String,
        /** The typed custom key was not 32 hex digits. */
        val keyInvalid: Boolean = false,
        /**
         * The first-contact report to share (null if the first reading was lost): the
         * core's part and the phone's NFC facts, as text; no seed or key is in it.
         */
        val reportText: String? = null,
        /** The user asked to see the report (shown before it is shared). */
        val reportShown: Boolean = false,
    ) : WizardState
}

/** A code the user typed on the verify screen, and the core's diagnosis. */
data class CodeCheck(val code: String, val diagnosis: Diagnosis)
