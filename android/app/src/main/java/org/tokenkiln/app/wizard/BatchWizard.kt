package org.tokenkiln.app.wizard

import org.tokenkiln.core.BatchOptions
import org.tokenkiln.core.BatchTally
import org.tokenkiln.core.BatchTurn
import org.tokenkiln.core.ExportTo
import org.tokenkiln.core.FleetBatch
import org.tokenkiln.core.FleetException
import org.tokenkiln.core.SeedFileData
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.SkipReason
import org.tokenkiln.core.exportFormats
import java.io.File

/**
 * "Enrol many tokens" as a state machine: events in ([dispatch]), states out. Pure Kotlin over
 * the core's batch ([FleetBatch], kiln-fleet underneath): no Android classes, so the JVM tests
 * drive this exact code against the real core and boxes of simulated tokens.
 *
 * The journal lives in [store]'s directory (app-private storage). It always has a passphrase:
 * the user's, or [secrets]' device secret when the export goes to an age public key. Opening a
 * journal ([BatchEvent.Start], [BatchEvent.Continue], [BatchEvent.ExportNow]), a token turn and
 * saving the export block: dispatch those off the UI thread. Other events are ignored while
 * one runs.
 */
class BatchWizard(
    private val store: BatchStore,
    private val secrets: JournalSecrets,
    private val clock: ClockSource,
    private val operator: String = "tokenkiln app",
) {
    private val lock = Any()
    private var current: BatchState
    private var busy = false
    private var batch: FleetBatch? = null
    private var batchDir: File? = null

    /** The open batch may take tokens (false when a seed-file batch was opened for its export only). */
    private var canTap = false
    private val listeners = Listeners<BatchState>()

    // Secrets held between events, never in a state: wiped when used or replaced.
    private var passphrase: ByteArray? = null
    private var seedFileBytes: ByteArray? = null
    private var seedFilePassphrase: ByteArray? = null
    private var upnMap: String? = null

    init {
        current = store.current()?.let { (_, saved) -> resumeOf(saved) } ?: BatchState.Settings()
    }

    val state: BatchState get() = synchronized(lock) { current }

    fun addListener(listener: (BatchState) -> Unit) {
        listeners.add(listener)
    }

    fun removeListener(listener: (BatchState) -> Unit) {
        listeners.remove(listener)
    }

    fun dispatch(event: BatchEvent) {
        when (event) {
            BatchEvent.Start, BatchEvent.Continue, BatchEvent.ExportNow -> open(event)
            is BatchEvent.TokenTapped -> turn(event)
            is BatchEvent.SaveExport -> save(event)
            else -> {
                val next = synchronized(lock) {
                    if (busy) null else reduce(current, event)?.also { current = it }
                } ?: return
                publish(next)
            }
        }
    }

    private fun set(next: BatchState) {
        synchronized(lock) { current = next }
        publish(next)
    }

    private fun publish(s: BatchState) = listeners.publish(s)

    // ---------------------------------------------------------------- pure transitions

    private fun reduce(s: BatchState, e: BatchEvent): BatchState? = when (e) {
        BatchEvent.UseFreshSeeds -> (s as? BatchState.Settings)?.also { wipeSeedFile() }?.copy(seeds = BatchSeeds.Fresh)
        is BatchEvent.SeedFilePicked -> when (s) {
            is BatchState.Settings -> {
                wipeSeedFile()
                seedFileBytes = e.bytes
                s.copy(seeds = BatchSeeds.File(e.name, isAgeFile(e.bytes), hasPassphrase = false), problem = null)
            }
            is BatchState.Resume -> {
                wipeSeedFile()
                seedFileBytes = e.bytes
                s.copy(seedFilePicked = true, problem = null)
            }
            else -> null
        }
        is BatchEvent.SeedFilePassphrase -> {
            val bytes = utf8(e.text)
            seedFilePassphrase?.fill(0)
            seedFilePassphrase = bytes.takeIf { it.isNotEmpty() }
            when (s) {
                is BatchState.Settings -> (s.seeds as? BatchSeeds.File)?.let {
                    s.copy(seeds = it.copy(hasPassphrase = bytes.isNotEmpty()), problem = null)
                }
                is BatchState.Resume -> s
                else -> null
            }
        }
        is BatchEvent.SetTokenSettings -> (s as? BatchState.Settings)
            ?.takeIf { e.algorithm in ALGORITHMS && e.period in PERIODS }
            ?.copy(algorithm = e.algorithm, period = e.period)
        is BatchEvent.SetDisplayTimeout -> (s as? BatchState.Settings)
            ?.takeIf { e.seconds in DISPLAY_TIMEOUTS }?.copy(displayTimeoutSecs = e.seconds)
        is BatchEvent.SetSyncClock -> (s as? BatchState.Settings)?.copy(syncClock = e.on)
        is BatchEvent.SetRecipient -> (s as? BatchState.Settings)?.let {
            wipePassphrase()
            it.copy(protection = Protection.Recipient(e.text.trim(), looksLikeAgeKey(e.text)), problem = null)
        }
        is BatchEvent.SetPassphrase -> (s as? BatchState.Settings)?.let {
            val matches = e.first.isNotEmpty() && e.first.contentEquals(e.second)
            val strength = passphraseStrength(e.first)
            wipePassphrase()
            if (matches) passphrase = utf8(e.first)
            it.copy(protection = Protection.Passphrase(strength, matches), problem = null)
        }
        is BatchEvent.ResumePassphrase -> (s as? BatchState.Resume)?.takeIf { it.needsPassphrase }?.let {
            wipePassphrase()
            passphrase = utf8(e.text).takeIf { b -> b.isNotEmpty() }
            it.copy(problem = null)
        }
        BatchEvent.Finish -> (s as? BatchState.Tapping)?.takeIf { it.contact == null }?.let {
            BatchState.Export(it.tally, formats = exportFormats())
        }
        is BatchEvent.ChooseFormat -> (s as? BatchState.Export)?.takeIf { e.format in it.formats }
            ?.copy(format = e.format, problem = null)
        is BatchEvent.UpnMapPicked -> (s as? BatchState.Export)?.let {
            upnMap = e.text
            it.copy(upnMapName = e.name, problem = null)
        }
        BatchEvent.NewBatch -> (s as? BatchState.Export)?.takeIf { it.saved != null }?.let {
            closeBatch()
            store.release()
            BatchState.Settings()
        }
        BatchEvent.Back -> when (s) {
            is BatchState.Export -> batch?.takeIf { canTap }?.let { b -> tapping(b, emptyList()) }
            else -> null
        }
        else -> null
    }

    // ---------------------------------------------------------------- opening the journal

    private fun open(event: BatchEvent) {
        val s = synchronized(lock) {
            if (busy) return
            val s = current
            val ok = when (event) {
                BatchEvent.Start -> s is BatchState.Settings && s.canStart
                BatchEvent.Continue -> s is BatchState.Resume && s.canContinue && (!s.needsPassphrase || passphrase != null)
                else -> s is BatchState.Resume && (!s.needsPassphrase || passphrase != null)
            }
            if (!ok) return
            busy = true
            s
        }
        set(BatchState.Opening(resuming = s is BatchState.Resume))
        val next = try {
            when (s) {
                is BatchState.Settings -> start(s)
                is BatchState.Resume -> reopen(s, toExport = event == BatchEvent.ExportNow)
                else -> s
            }
        } catch (x: FleetException) {
            refusedOpen(s, x.text())
        } catch (x: Throwable) {
            refusedOpen(s, x.toString())
        }
        synchronized(lock) {
            busy = false
            current = next
        }
        publish(next)
    }

    private fun refusedOpen(s: BatchState, why: String): BatchState = when (s) {
        is BatchState.Settings -> s.copy(problem = why)
        is BatchState.Resume -> s.copy(problem = why)
        else -> s
    }

    private fun start(s: BatchState.Settings): BatchState {
        val recipient = (s.protection as? Protection.Recipient)?.publicKey
        val saved = SavedBatch(
            algorithm = s.algorithm,
            period = s.period,
            displayTimeoutSecs = s.displayTimeoutSecs,
            syncClock = s.syncClock,
            recipient = recipient,
            seedFile = (s.seeds as? BatchSeeds.File)?.name,
        )
        val dir = store.create(saved)
        return try {
            openBatch(dir, saved).let { tapping(it, emptyList()) }
        } catch (x: FleetException) {
            // Nothing was burned from this directory: the next start makes a new one.
            store.release()
            throw x
        }
    }

    private fun reopen(s: BatchState.Resume, toExport: Boolean): BatchState {
        val (dir, saved) = store.current() ?: return BatchState.Settings()
        val b = openBatch(dir, saved, seedFileRequired = !toExport)
        return if (toExport) BatchState.Export(b.tally(), formats = exportFormats()) else tapping(b, emptyList())
    }

    private fun openBatch(dir: File, saved: SavedBatch, seedFileRequired: Boolean = true): FleetBatch {
        val pass = if (saved.recipient != null) secrets.deviceSecret() else passphrase?.copyOf()
            ?: throw FleetException.BadInput("Type the batch's passphrase.")
        val seedFile = seedFileBytes?.takeIf { saved.seedFile != null && seedFileRequired }?.let {
            SeedFileData(it, seedFilePassphrase)
        }
        try {
            val b = FleetBatch.open(
                store.journalDir(dir).path,
                pass,
                saved.recipient?.let { ExportTo.Recipient(it) } ?: ExportTo.Passphrase,
                seedFile,
                BatchOptions(
                    algorithm = saved.algorithm,
                    period = saved.period.toUInt(),
                    displayTimeoutSecs = saved.displayTimeoutSecs.toUInt(),
                    syncClock = saved.syncClock,
                    clock = clock.reference(),
                    operator = operator,
                ),
            )
            closeBatch()
            batch = b
            batchDir = dir
            canTap = saved.seedFile == null || seedFile != null
            // The core holds what it needs now: wipe the app's copies.
            wipePassphrase()
            wipeSeedFile()
            return b
        } finally {
            pass.fill(0)
        }
    }

    private fun resumeOf(saved: SavedBatch) = BatchState.Resume(
        saved = saved,
        needsPassphrase = saved.recipient == null,
        seedFilePicked = false,
    )

    private fun tapping(b: FleetBatch, rows: List<BatchRow>) = BatchState.Tapping(rows, b.tally())

    // ---------------------------------------------------------------- the tap loop

    private fun turn(event: BatchEvent.TokenTapped) {
        val (b, before) = synchronized(lock) {
            if (busy) return
            val s = current as? BatchState.Tapping ?: return
            if (s.contact != null) return
            val b = batch ?: return
            busy = true
            b to s
        }
        var progress = Progress()
        var shown = before.copy(contact = progress, haptic = null, announcement = null)
        set(shown)
        val observer = object : SessionObserver {
            override fun onEvent(event: SessionEvent) {
                progress = progress.after(event)
                shown = shown.copy(contact = progress)
                set(shown)
            }
        }
        val next: BatchState = try {
            val result = b.turn(event.link, clock.reference(), observer)
            val row = rowOf(result)
            BatchState.Tapping(
                rows = listOf(row) + before.rows,
                tally = b.tally(),
                haptic = hapticOf(row.result),
                announcement = announce(row),
            )
        } catch (x: FleetException) {
            // The journal could not be written: no further seed may reach a token.
            BatchState.Stopped(x.text(), runCatching { b.tally() }.getOrNull())
        } catch (x: Throwable) {
            BatchState.Stopped("Internal error: $x", runCatching { b.tally() }.getOrNull())
        }
        synchronized(lock) {
            busy = false
            current = next
        }
        publish(next)
    }

    // ---------------------------------------------------------------- the export

    private fun save(event: BatchEvent.SaveExport) {
        val (b, s) = synchronized(lock) {
            val s = current as? BatchState.Export
            val b = batch
            if (busy || s == null || b == null) {
                runCatching { event.out.close() }
                return
            }
            busy = true
            b to s
        }
        val next = try {
            val made = b.export(s.format, upnMap, false)
            try {
                event.out.use { it.write(made.bytes); it.flush() }
            } finally {
                made.bytes.fill(0)
            }
            s.copy(
                saved = SavedExport(made.format, made.rows.toInt(), made.unconfirmedRows.toInt(), made.bytes.size),
                problem = null,
            )
        } catch (x: FleetException) {
            runCatching { event.out.close() }
            s.copy(problem = x.text())
        } catch (x: java.io.IOException) {
            s.copy(problem = "The export could not be written there (${x.message}). Choose another place.")
        }
        synchronized(lock) {
            busy = false
            current = next
        }
        publish(next)
    }

    // ---------------------------------------------------------------- helpers

    private fun wipePassphrase() {
        passphrase?.fill(0)
        passphrase = null
    }

    private fun wipeSeedFile() {
        seedFileBytes?.fill(0)
        seedFileBytes = null
        seedFilePassphrase?.fill(0)
        seedFilePassphrase = null
    }

    private fun closeBatch() {
        batch?.destroy()
        batch = null
        batchDir = null
    }
}

/** UTF-8 bytes of typed characters, without an intermediate String. */
internal fun utf8(chars: CharArray): ByteArray {
    val buf = Charsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars))
    val out = ByteArray(buf.remaining())
    buf.get(out)
    if (buf.hasArray()) buf.array().fill(0)
    return out
}

internal fun FleetException.text(): String = when (this) {
    is FleetException.BadInput -> userMessage
    is FleetException.WrongPassphrase -> userMessage
    is FleetException.Journal -> userMessage
    is FleetException.Export -> userMessage
}

/** The list row for a turn. */
fun rowOf(t: BatchTurn): BatchRow = when (t) {
    is BatchTurn.Burned -> BatchRow(
        t.serial, t.model, if (t.finished) RowResult.Finished else RowResult.Burned, "", driftMs = t.driftMs,
    )
    is BatchTurn.Skipped -> BatchRow(
        t.serial,
        t.model,
        when (t.reason) {
            SkipReason.UnknownModel -> RowResult.Unknown
            SkipReason.AlreadyBurned -> RowResult.Repeat
            else -> RowResult.Skipped
        },
        t.userMessage,
    )
    is BatchTurn.LinkLost -> BatchRow(t.serial, t.model, RowResult.LinkLost, t.userMessage)
    is BatchTurn.Refused -> BatchRow(t.serial, t.model, RowResult.Refused, t.userMessage)
}

fun hapticOf(r: RowResult): BatchHaptic = when (r) {
    RowResult.Burned, RowResult.Finished -> BatchHaptic.Success
    RowResult.LinkLost -> BatchHaptic.Retap
    RowResult.Refused -> BatchHaptic.Refused
    RowResult.Unknown, RowResult.Repeat, RowResult.Skipped -> BatchHaptic.Skipped
}

/** The TalkBack sentence for a row (digits spaced so serials are read digit by digit). */
fun announce(row: BatchRow): String {
    val who = row.serial?.let { "Token ${tail(it)}" } ?: "That token"
    return when (row.result) {
        RowResult.Burned -> "$who burned. Next token."
        RowResult.Finished -> "$who finished. Next token."
        RowResult.LinkLost -> "$who lost contact. Hold the same token to the phone again."
        RowResult.Refused -> "$who refused. Set it aside. Next token."
        RowResult.Unknown -> "$who is an unknown model and was skipped. Next token."
        RowResult.Repeat -> "$who was burned already and was skipped. Next token."
        RowResult.Skipped -> "$who skipped. ${row.detail}"
    }
}

/** The last four characters of a serial, spaced: what a person can match on the label. */
private fun tail(serial: String): String = "ending " + serial.takeLast(4).toList().joinToString(" ")
