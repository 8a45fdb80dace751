package org.tokenkiln.app.wizard

import org.tokenkiln.core.BurnOptions
import org.tokenkiln.core.KilnException
import org.tokenkiln.core.MigrationAccount
import org.tokenkiln.core.ReportFact
import org.tokenkiln.core.contactReportText
import org.tokenkiln.core.Seed
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.TokenLink
import org.tokenkiln.core.UnknownModelKey

/**
 * The app's flow as a state machine: events in ([dispatch]), states out ([state] and the
 * listener). Pure Kotlin over the core bindings: no Android classes, so the JVM tests drive
 * exactly this code against the real core and a simulated token.
 *
 * Thread-safety: [dispatch] may be called from the UI thread and from the NFC thread. A token
 * session runs on the thread that dispatched [WizardEvent.TokenTapped] and does not hold the
 * lock while the token is in the field; other events are ignored while it runs.
 *
 * @param nowMillis the system clock (tests may pin it); the reference clock's offset is added.
 */
class Wizard(
    private val sessions: TokenSessions,
    private val clock: ClockSource,
    private val nowMillis: () -> Long = System::currentTimeMillis,
    initial: WizardState = WizardState.GetSeed(),
) {
    private val lock = Any()
    private var current: WizardState = initial
    private var busy = false
    private val listeners = Listeners<WizardState>()

    val state: WizardState get() = synchronized(lock) { current }

    fun removeListener(listener: (WizardState) -> Unit) {
        listeners.remove(listener)
    }

    /** Called with every new state, on the thread that caused it. */
    fun addListener(listener: (WizardState) -> Unit) {
        listeners.add(listener)
    }

    /** Unix seconds on the reference clock the session used (for expected codes). */
    fun referenceSecs(state: WizardState = this.state): Long {
        val offset = when (state) {
            is WizardState.Done -> state.job.clock.offsetMs
            else -> clock.reference().offsetMs
        }
        return Math.floorDiv(nowMillis() + offset, 1000L)
    }

    fun dispatch(event: WizardEvent) {
        if (event is WizardEvent.TokenTapped) {
            tap(event.link, event.facts)
            return
        }
        val next = synchronized(lock) {
            if (busy) null else reduce(current, event)?.also { current = it }
        }
        if (next == null) {
            // An input nobody will use: wipe its secret now, not at the next GC.
            (event as? WizardEvent.Scanned)?.input?.destroy()
            return
        }
        publish(next)
    }

    private fun set(next: WizardState) {
        synchronized(lock) { current = next }
        publish(next)
    }

    private fun publish(s: WizardState) = listeners.publish(s)

    // ---------------------------------------------------------------- pure transitions

    /** The next state, or null to ignore the event in this state. */
    private fun reduce(s: WizardState, e: WizardEvent): WizardState? = when (e) {
        is WizardEvent.ChooseInputMode ->
            (s as? WizardState.GetSeed)?.copy(mode = e.mode, qrUnreadable = null, problem = null)
        is WizardEvent.Scanned -> when {
            e.shared -> if (takesShared(s)) fromInput(e.input, SeedSource.Shared) else null
            s is WizardState.GetSeed -> fromInput(e.input, SeedSource.Scan)
            else -> null
        }
        is WizardEvent.QrUnreadable ->
            (s as? WizardState.GetSeed)?.takeIf { it.mode == InputMode.Scan }?.copy(qrUnreadable = e.hint)
        is WizardEvent.TypedChanged ->
            // Editing the key replaces an earlier refusal with live validation.
            (s as? WizardState.GetSeed)?.copy(typed = check(e.text), problem = null)
        is WizardEvent.TypedSubmitted ->
            if (s is WizardState.GetSeed) fromInput(sessions.parse(e.text), SeedSource.Typed) else null
        is WizardEvent.Shared ->
            if (takesShared(s)) fromInput(sessions.parse(e.text), SeedSource.Shared) else null
        is WizardEvent.PickAccount ->
            (s as? WizardState.PickAccount)?.let { pick(it.accounts, e.index) }
        is WizardEvent.ChooseEncoding ->
            (s as? WizardState.AskEncoding)?.let { ask ->
                try {
                    confirm(ask.choice.resolve(e.asHex), SeedSource.Typed)
                } catch (x: KilnException) {
                    WizardState.GetSeed(InputMode.Type, problem = SeedProblem(SeedSource.Typed, x.userText(), emptyList()))
                }
            }
        is WizardEvent.SetSettings ->
            (s as? WizardState.Confirm)?.takeIf { it.settingsEditable }?.let { c ->
                try {
                    val seed = c.seed.withParams(e.algorithm, e.period.toUInt())
                    c.copy(seed = seed, info = seed.info())
                } catch (x: KilnException) {
                    null
                }
            }
        is WizardEvent.SetDisplayTimeout ->
            (s as? WizardState.Confirm)?.takeIf { e.seconds in DISPLAY_TIMEOUTS }?.copy(displayTimeoutSecs = e.seconds)
        is WizardEvent.SetSyncClock -> when (s) {
            is WizardState.Confirm -> s.copy(syncClock = e.on)
            // The warning's way out: burn without setting the token clock from this clock.
            is WizardState.ClockUnverified -> if (e.on) null else WizardState.Hold(s.job.copy(syncClock = false))
            else -> null
        }
        WizardEvent.AbandonToken ->
            (s as? WizardState.Failed)?.takeIf { it.mustResume }?.let { f ->
                if (f.abandonAsked) confirmOf(f.job) else f.copy(abandonAsked = true)
            }
        WizardEvent.ConfirmSeed ->
            (s as? WizardState.Confirm)?.takeIf { it.canContinue }?.let { c ->
                val clock = clock.reference()
                // A typed seed's settings were on screen with the Continue button: confirmed.
                val seed = if (c.settingsEditable) confirmed(c) else c.seed
                val job = BurnJob(seed, seed.info(), c.displayTimeoutSecs, clock, syncClock = c.syncClock)
                // The warning is about setting the token clock from an unverified clock.
                if (clock.trusted || !c.syncClock) WizardState.Hold(job) else WizardState.ClockUnverified(job)
            }
        WizardEvent.AcceptUnverifiedClock ->
            (s as? WizardState.ClockUnverified)?.let { WizardState.Hold(it.job) }
        is WizardEvent.ChooseUnknownModelKey ->
            (s as? WizardState.UnknownModel)?.let { u ->
                val key = e.key
                if (key is UnknownModelKey.Custom && !isKeyHex(key.keyHex)) {
                    u.copy(keyInvalid = true)
                } else {
                    WizardState.Hold(u.job.copy(unknownModelKey = key))
                }
            }
        WizardEvent.ShowReport ->
            (s as? WizardState.UnknownModel)?.takeIf { it.reportText != null }?.copy(reportShown = true)
        WizardEvent.TryAgain ->
            // A refusal is never retried by itself: only this explicit choice arms the next
            // contact (on the same serial when a refused write may have left the token blank).
            // A lost link continues with a tap instead.
            (s as? WizardState.Failed)?.takeIf { it.failure !is Failure.LinkLost }?.let {
                if (it.mustResume) it.copy(retryArmed = true, abandonAsked = false) else WizardState.Hold(it.job)
            }
        is WizardEvent.CodeRead ->
            (s as? WizardState.Done)?.let { d ->
                val code = e.code.filter { !it.isWhitespace() }
                d.copy(check = CodeCheck(code, d.job.seed.diagnose(code, referenceSecs(d))))
            }
        WizardEvent.Back -> back(s)
        WizardEvent.StartOver -> WizardState.GetSeed()
        is WizardEvent.TokenTapped -> null // handled in dispatch
    }

    private fun back(s: WizardState): WizardState? = when (s) {
        is WizardState.GetSeed -> if (s.problem != null) s.copy(problem = null) else null
        is WizardState.PickAccount, is WizardState.AskEncoding -> WizardState.GetSeed()
        is WizardState.Confirm -> WizardState.GetSeed(mode = if (s.source == SeedSource.Typed) InputMode.Type else InputMode.Scan)
        is WizardState.ClockUnverified -> confirmOf(s.job)
        is WizardState.Hold -> confirmOf(s.job)
        is WizardState.UnknownModel -> WizardState.Hold(s.job.copy(unknownModelKey = null))
        is WizardState.Failed -> when {
            s.abandonAsked -> s.copy(abandonAsked = false)
            s.retryArmed -> s.copy(retryArmed = false)
            s.mustResume -> null // only "tap again", or an explicit AbandonToken
            else -> confirmOf(s.job)
        }
        is WizardState.Done -> WizardState.GetSeed()
        is WizardState.InContact -> null
    }

    private fun confirmed(c: WizardState.Confirm): Seed = try {
        c.seed.withParams(c.info.algorithm, c.info.period)
    } catch (x: KilnException) {
        c.seed
    }

    private fun confirmOf(job: BurnJob) = WizardState.Confirm(
        seed = job.seed,
        info = job.info,
        source = SeedSource.Shared,
        displayTimeoutSecs = job.displayTimeoutSecs,
        clock = clock.reference(),
        settingsEditable = false,
        syncClock = job.syncClock,
    )

    /**
     * Another app's link or QR image replaces whatever the wizard was doing, except while a
     * token is in contact or a token that may be blank waits to be tapped again (its resume
     * would be lost).
     */
    private fun takesShared(s: WizardState): Boolean =
        s !is WizardState.InContact && !(s is WizardState.Failed && s.mustResume)

    private fun fromInput(input: SeedInput, source: SeedSource): WizardState = when (input) {
        is SeedInput.Totp -> confirm(input.seed, source)
        is SeedInput.Migration -> WizardState.PickAccount(
            rows = input.accounts.mapIndexed { i, a -> AccountRow(i, a.info, a.kind) },
            warnings = input.warnings,
            accounts = input.accounts,
        )
        is SeedInput.Ambiguous -> WizardState.AskEncoding(
            asHex = input.choice.info(true),
            asBase32 = input.choice.info(false),
            hexBits = input.hexBits.toInt(),
            base32Bits = input.base32Bits.toInt(),
            choice = input.choice,
        )
        is SeedInput.Refused -> WizardState.GetSeed(
            mode = if (source == SeedSource.Typed) InputMode.Type else InputMode.Scan,
            problem = SeedProblem(source, input.reason, input.suggestions),
        )
    }

    private fun pick(accounts: List<MigrationAccount>, index: Int): WizardState? {
        val account = accounts.getOrNull(index) ?: return null
        if (account.kind != "totp" || !account.info.burnable) return null
        val seed = account.seed ?: return null
        return confirm(seed, SeedSource.Scan)
    }

    private fun confirm(seed: Seed, source: SeedSource) = WizardState.Confirm(
        seed = seed,
        info = seed.info(),
        source = source,
        displayTimeoutSecs = 30,
        clock = clock.reference(),
        settingsEditable = source == SeedSource.Typed,
    )

    private fun check(text: String): TypedCheck {
        if (text.isBlank()) return TypedCheck.Empty
        val input = sessions.parse(text)
        return try {
            when (input) {
                is SeedInput.Totp -> TypedCheck.Valid(input.seed.info().secretBits.toInt())
                is SeedInput.Ambiguous -> TypedCheck.Ambiguous(input.hexBits.toInt(), input.base32Bits.toInt())
                is SeedInput.Refused -> TypedCheck.Invalid(input.reason, input.suggestions)
                is SeedInput.Migration -> TypedCheck.Export(input.accounts.size)
            }
        } finally {
            input.destroy() // zeroize the parsed secret now, not at the next GC
        }
    }

    // ---------------------------------------------------------------- the one contact

    private fun tap(link: TokenLink, facts: List<ReportFact>) {
        val start: Pair<BurnJob, String?> = synchronized(lock) {
            if (busy) return
            val s = current
            val job = when (s) {
                is WizardState.Hold -> s.job to null
                is WizardState.Failed -> when (val f = s.failure) {
                    is Failure.LinkLost -> s.job to f.resumeSerial
                    // Never by itself after a refusal: only once the user chose to try again.
                    is Failure.Refused -> if (s.retryArmed) s.job to f.resumeSerial else null
                    else -> null
                }
                else -> null
            } ?: return
            busy = true
            job
        }
        val (job, resume) = start
        var progress = Progress()
        val observer = object : SessionObserver {
            override fun onEvent(event: SessionEvent) {
                progress = progress.after(event)
                set(WizardState.InContact(job, progress, resume))
            }
        }
        val next: WizardState = try {
            set(WizardState.InContact(job, progress, resume))
            contact(link, job, resume, facts, observer) { progress }
        } catch (e: Throwable) {
            // Not from the core (a bug in the app or a listener): say so, and never leave the
            // wizard busy. The key choice for an unknown model counts for one contact only.
            WizardState.Failed(job.copy(unknownModelKey = null), Failure.Internal(e.toString()), progress)
        }
        synchronized(lock) {
            busy = false
            current = next
        }
        publish(next)
    }

    /**
     * One burn over [link]; the core's typed errors become the screen that explains them.
     * The key choice for an unknown model counts for this one contact only.
     */
    private fun contact(
        link: TokenLink,
        job: BurnJob,
        resume: String?,
        facts: List<ReportFact>,
        observer: SessionObserver,
        progress: () -> Progress,
    ): WizardState =
        try {
            val options = BurnOptions(
                displayTimeoutSecs = job.displayTimeoutSecs.toUInt(),
                syncClock = job.syncClock,
                resumeSerial = resume,
                unknownModelKey = job.unknownModelKey,
            )
            val report = sessions.burn(link, job.clock, job.seed, options, observer)
            WizardState.Done(job.copy(unknownModelKey = null), report)
        } catch (e: KilnException.UnknownModel) {
            val report = e.report?.let { contactReportText(it, facts, REPORT_SOFTWARE) }
            WizardState.UnknownModel(job.copy(unknownModelKey = null), e.serial, e.userMessage, reportText = report)
        } catch (e: KilnException.LinkLost) {
            WizardState.Failed(job, Failure.LinkLost(e.userMessage, e.tokenMayBeBlank, e.resumeSerial), progress())
        } catch (e: KilnException.RefusedByToken) {
            val failure = Failure.Refused(e.userMessage, e.triesLeft?.toInt(), e.tokenMayBeBlank, e.resumeSerial)
            WizardState.Failed(job.copy(unknownModelKey = null), failure, progress())
        } catch (e: KilnException.BadInput) {
            WizardState.Failed(job.copy(unknownModelKey = null), Failure.Refusal(e.userMessage), progress())
        } catch (e: KilnException.Internal) {
            WizardState.Failed(job.copy(unknownModelKey = null), Failure.Internal(e.userMessage), progress())
        }
}

/** How the app names itself in a first-contact report. */
const val REPORT_SOFTWARE = "tokenkiln Android app"

/** 32 hex digits (a 16-byte key), spaces allowed. */
fun isKeyHex(text: String): Boolean {
    val t = text.filter { !it.isWhitespace() }
    return t.length == 32 && t.all { it in '0'..'9' || it in 'a'..'f' || it in 'A'..'F' }
}

private fun KilnException.userText(): String = when (this) {
    is KilnException.BadInput -> userMessage
    is KilnException.RefusedByToken -> userMessage
    is KilnException.LinkLost -> userMessage
    is KilnException.UnknownModel -> userMessage
    is KilnException.Internal -> userMessage
}
