package org.tokenkiln.app.wizard

import org.tokenkiln.core.BatchTally

/** Where the batch's seeds come from. */
sealed interface BatchSeeds {
    /** A fresh seed per token from the phone's random source. */
    data object Fresh : BatchSeeds

    /**
     * A seed file (CSV or DualShield XML) the user opened with the system picker. [encrypted]:
     * it is an age file, and its passphrase is needed ([hasPassphrase]).
     */
    data class File(val name: String, val encrypted: Boolean, val hasPassphrase: Boolean) : BatchSeeds {
        val ready: Boolean get() = !encrypted || hasPassphrase
    }
}

/** How hard a passphrase is to guess, as the settings screen shows it. */
enum class Strength { Empty, Weak, Fair, Strong }

/** Who can open the export (and, with a passphrase, the journal). */
sealed interface Protection {
    /**
     * An admin's age public key, scanned as a QR code or pasted. [valid]: it reads as an age
     * X25519 public key (the core checks it again when the batch starts).
     */
    data class Recipient(val publicKey: String, val valid: Boolean) : Protection

    /** A passphrase typed twice: its strength and whether both entries match. Never the text. */
    data class Passphrase(val strength: Strength, val matches: Boolean) : Protection {
        val ready: Boolean get() = matches && strength >= Strength.Fair
    }
}

/** What happened to one token, as a row of the list. */
enum class RowResult { Burned, Finished, LinkLost, Refused, Unknown, Repeat, Skipped }

/** One row of the tap loop's list. Holds no seed. */
data class BatchRow(
    val serial: String?,
    val model: String?,
    val result: RowResult,
    /** The core's sentence for it (why it was skipped or refused; empty when burned). */
    val detail: String,
    /** Token minus reference before the burn, ms (burned rows). */
    val driftMs: Long? = null,
)

/** The haptic a result plays (distinct per kind). */
enum class BatchHaptic { Success, Retap, Refused, Skipped }

/** The batch wizard's screens. */
sealed interface BatchState {
    /** The passphrase is on this screen: the window must not be captured (FLAG_SECURE). */
    val secure: Boolean get() = false

    /** Settings: seeds, token settings, and who can open the export. */
    data class Settings(
        val seeds: BatchSeeds = BatchSeeds.Fresh,
        val algorithm: String = "SHA1",
        val period: Int = 30,
        val displayTimeoutSecs: Int = 30,
        val syncClock: Boolean = true,
        val protection: Protection = Protection.Recipient("", valid = false),
        /** Why the last start was refused (the core's sentence). */
        val problem: String? = null,
    ) : BatchState {
        override val secure: Boolean get() = protection is Protection.Passphrase
        val canStart: Boolean
            get() = (seeds !is BatchSeeds.File || seeds.ready) && when (protection) {
                is Protection.Recipient -> protection.valid
                is Protection.Passphrase -> protection.ready
            }
    }

    /** The journal is being opened (scrypt runs about a second). */
    data class Opening(val resuming: Boolean) : BatchState

    /**
     * The app was closed with a batch under way: continue it or export it. A passphrase batch
     * asks for its passphrase again; a seed-file batch for its file.
     */
    data class Resume(
        val saved: SavedBatch,
        val needsPassphrase: Boolean,
        /** The seed file was picked again (seed-file batches). */
        val seedFilePicked: Boolean,
        val problem: String? = null,
    ) : BatchState {
        override val secure: Boolean get() = needsPassphrase
        val canContinue: Boolean get() = saved.seedFile == null || seedFilePicked
    }

    /** The tap loop: "switch on the next token and hold it to the phone". */
    data class Tapping(
        val rows: List<BatchRow>,
        val tally: BatchTally,
        /** In contact now (null between tokens). */
        val contact: Progress? = null,
        /** The last result's haptic and TalkBack sentence. */
        val haptic: BatchHaptic? = null,
        val announcement: String? = null,
    ) : BatchState {
        /** A lost link: only this token is accepted next. */
        val waitingFor: String? get() = tally.waitingFor
    }

    /** "Save export": format, optional UPN map, and what was saved. */
    data class Export(
        val tally: BatchTally,
        val format: String = "entra-csv",
        val formats: List<String>,
        val upnMapName: String? = null,
        val saved: SavedExport? = null,
        val problem: String? = null,
    ) : BatchState

    /** The journal could not be written: the batch stopped before another seed reached a token. */
    data class Stopped(val message: String, val tally: BatchTally?) : BatchState
}

/** An export written where the user chose. */
data class SavedExport(val format: String, val rows: Int, val unconfirmedRows: Int, val bytes: Int)
