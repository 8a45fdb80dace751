package org.tokenkiln.app.wizard

import org.tokenkiln.core.TokenLink
import java.io.OutputStream

/** Everything that can happen to the batch wizard. */
sealed interface BatchEvent {
    data object UseFreshSeeds : BatchEvent

    /**
     * A seed file opened with the system picker: its display name and bytes (the wizard keeps
     * them in memory only, and wipes them once the batch has read them).
     */
    class SeedFilePicked(val name: String, val bytes: ByteArray) : BatchEvent {
        override fun toString() = "SeedFilePicked($name, ${bytes.size} bytes)"
    }

    /** The passphrase of an age-encrypted seed file. */
    class SeedFilePassphrase(val text: CharArray) : BatchEvent {
        override fun toString() = "SeedFilePassphrase(<redacted>)"
    }

    data class SetTokenSettings(val algorithm: String, val period: Int) : BatchEvent
    data class SetDisplayTimeout(val seconds: Int) : BatchEvent
    data class SetSyncClock(val on: Boolean) : BatchEvent

    /** An admin's age public key, scanned (QR) or pasted. */
    data class SetRecipient(val text: String) : BatchEvent

    /** The two passphrase fields (both entries; kept as bytes in the wizard only). */
    class SetPassphrase(val first: CharArray, val second: CharArray) : BatchEvent {
        override fun toString() = "SetPassphrase(<redacted>)"
    }

    /** "Start": opens the journal (blocking, about a second). */
    data object Start : BatchEvent

    /** On the resume screen of a passphrase batch: its passphrase. */
    class ResumePassphrase(val text: CharArray) : BatchEvent {
        override fun toString() = "ResumePassphrase(<redacted>)"
    }

    /** Resume: continue the tap loop (blocking, opens the journal). */
    data object Continue : BatchEvent

    /** Resume: go straight to the export (blocking, opens the journal). */
    data object ExportNow : BatchEvent

    /** Reader mode delivered a token: one batch turn on the calling thread (blocking). */
    data class TokenTapped(val link: TokenLink) : BatchEvent

    /** "Done with this box": to the export screen. */
    data object Finish : BatchEvent

    data class ChooseFormat(val format: String) : BatchEvent

    /** A UPN map (CSV serial,upn) opened with the system picker. */
    class UpnMapPicked(val name: String, val text: String) : BatchEvent {
        override fun toString() = "UpnMapPicked($name)"
    }

    /**
     * The create-document picker returned a place: the wizard writes the age-encrypted export
     * to [out] and closes it. The same path for a file in the tests.
     */
    class SaveExport(val out: OutputStream) : BatchEvent

    /** After a saved export: start a new batch (the old journal is kept). */
    data object NewBatch : BatchEvent

    data object Back : BatchEvent
}
