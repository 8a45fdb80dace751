package org.tokenkiln.app.wizard

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.ReportFact
import org.tokenkiln.core.UnknownModelKey
import org.tokenkiln.core.UnreadableHint
import kotlin.math.abs

/** The wizard driven event by event against the real Rust core and its simulated token. */
class WizardTest {

    private fun confirmGithub(h: Harness, timeout: Int = 60): WizardState.Hold {
        h.send(WizardEvent.Shared(GITHUB_LINK))
        val c = h.expect<WizardState.Confirm>()
        assertEquals("GitHub", c.info.issuer)
        assertEquals("alice", c.info.account)
        assertTrue(c.canContinue, c.info.problems.toString())
        h.send(WizardEvent.SetDisplayTimeout(timeout), WizardEvent.ConfirmSeed)
        return h.expect()
    }

    @Test
    fun `happy path - shared link, confirm, one contact, switch off and on, verify`() {
        val h = Harness(networkTime)
        val hold = confirmGithub(h, timeout = 60)
        assertEquals(60, hold.job.displayTimeoutSecs)
        assertTrue(hold.job.clock.trusted)

        val sim = SimToken(Serials.P1, 3_420L, null)
        val link = SimLink(sim)
        h.send(WizardEvent.TokenTapped(link))

        val done = h.expect<WizardState.Done>()
        assertTrue(sim.holds(hold.job.seed), "the token holds the confirmed seed")
        assertEquals("SHA1/30s/60s-display", sim.config())
        assertEquals(Serials.P1, done.report.token.serial)
        assertEquals("Token2 OTPC-P1-i", done.report.token.model)
        assertTrue(done.report.nextStep.contains("off and on"), done.report.nextStep)

        // The in-contact screens came in order and carried serial, model and the measured drift.
        val contact = h.seen.filterIsInstance<WizardState.InContact>().map { it.progress }
        val stages = contact.map { it.stage }.distinct()
        assertEquals(
            listOf(
                ContactStage.Connecting, ContactStage.Found, ContactStage.Authenticated,
                ContactStage.ConfigWritten, ContactStage.SeedWritten, ContactStage.Confirmed,
            ),
            stages,
        )
        val measured = contact.last().drift
        assertNotNull(measured)
        assertTrue(abs(measured!!.driftMs - 3_420) <= measured.uncertaintyMs, measured.toString())
        assertEquals("sync recommended", measured.advice)
        assertTrue(measured.referenceTrusted)
        assertEquals(Serials.P1, contact.last().serial)

        // Verify: the user switches the token off and on and types what it shows.
        sim.powerCycle()
        val now = nowSecs()
        val shown = sim.codeAt(now)!!
        val codes = done.job.seed.expectedCodes(now)
        // The token clock may be up to a second off: near a step boundary it shows a neighbour.
        assertTrue(shown in listOf(codes.previous, codes.current, codes.next), shown)
        val mid = now - Math.floorMod(now, 30L) + 15
        assertEquals(done.job.seed.expectedCodes(mid).current, sim.codeAt(mid))
        h.send(WizardEvent.CodeRead(shown.chunked(3).joinToString(" ")))
        val checked = h.expect<WizardState.Done>().check!!
        // At a step boundary the code read may already be the previous one; both are explained.
        if (h.wizard.referenceSecs() / 30 == now / 30) assertTrue(checked.diagnosis.matched, checked.diagnosis.sentence)
        h.send(WizardEvent.CodeRead("000000".takeIf { it != shown } ?: "111111"))
        val wrong = h.expect<WizardState.Done>().check!!
        assertFalse(wrong.diagnosis.matched)
        assertTrue(wrong.diagnosis.sentence.isNotBlank())
    }

    @Test
    fun `unknown model is read-only until an explicit key choice, which counts once`() {
        val h = Harness(networkTime)
        val hold = confirmGithub(h)
        val sim = SimToken(Serials.UNKNOWN, 0L, 3.toUByte())

        val facts = listOf(ReportFact("ATQA", "00 44"), ReportFact("SAK", "20"))
        h.send(WizardEvent.TokenTapped(SimLink(sim), facts))
        val unknown = h.expect<WizardState.UnknownModel>()
        assertEquals(Serials.UNKNOWN, unknown.serial)
        assertTrue(unknown.message.isNotBlank())
        assertFalse(sim.holdsSeed(), "read-only: nothing written")
        assertEquals(0u, sim.authAttempts(), "no key was tried")
        // A first-contact report to share: the core's part, the phone's NFC facts, no secret.
        val report = unknown.reportText!!
        for (needle in listOf(Serials.UNKNOWN, "14 characters, digits", "ATQA", "00 44", REPORT_SOFTWARE, "no key was tried")) {
            assertTrue(report.contains(needle), "$needle missing from:\n$report")
        }
        assertFalse(report.contains("GEZDGNBV"), "no seed in the report")
        assertFalse(unknown.reportShown)
        assertTrue((h.send(WizardEvent.ShowReport) as WizardState.UnknownModel).reportShown)

        // A malformed key is refused by the wizard before any token is touched.
        h.send(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.Custom("00112233")))
        assertTrue(h.expect<WizardState.UnknownModel>().keyInvalid)

        // A well-formed but wrong key: one attempt, refused, tries left said, not retried by a tap.
        h.send(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.Custom(Serials.OTHER_KEY)))
        assertEquals(UnknownModelKey.Custom(Serials.OTHER_KEY), h.expect<WizardState.Hold>().job.unknownModelKey)
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val refused = h.expect<WizardState.Failed>()
        assertEquals(2, (refused.failure as Failure.Refused).triesLeft)
        assertFalse(refused.tapAgain)
        val again = SimLink(sim)
        h.send(WizardEvent.TokenTapped(again))
        assertEquals(0, again.commands, "a refused key is never retried by a tap")
        assertEquals(2.toUByte(), sim.triesLeft())

        // "Try again" goes back to holding WITHOUT the key: the choice counted once.
        h.send(WizardEvent.TryAgain)
        assertNull(h.expect<WizardState.Hold>().job.unknownModelKey)
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        h.expect<WizardState.UnknownModel>()

        // The family default key, chosen explicitly, programs it.
        h.send(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.FamilyDefault))
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val done = h.expect<WizardState.Done>()
        assertFalse(done.report.token.knownModel)
        assertTrue(sim.holds(hold.job.seed))
        assertNull(done.job.unknownModelKey)
    }

    @Test
    fun `refused authentication says the consequence and tries once`() {
        val h = Harness(networkTime)
        confirmGithub(h)
        val sim = SimToken.withKey(Serials.RESTRICTED, 0L, 3.toUByte(), Serials.OTHER_KEY)
        val link = SimLink(sim)
        h.send(WizardEvent.TokenTapped(link))

        val failed = h.expect<WizardState.Failed>()
        val refused = failed.failure as Failure.Refused
        assertEquals(2, refused.triesLeft)
        assertTrue(refused.message.contains("2 tries left"), refused.message)
        assertEquals(3, link.commands, "GET INFO, GET CHALLENGE, one EXTERNAL AUTHENTICATE")
        assertEquals(Serials.RESTRICTED, failed.progress.serial)
        assertFalse(sim.holdsSeed())
        assertFalse(failed.tapAgain)

        h.send(WizardEvent.TokenTapped(link))
        assertEquals(3, link.commands, "tapping again does not spend another try")
        // Back leads to the confirm screen (the seed is kept), not to a silent retry.
        h.send(WizardEvent.Back)
        h.expect<WizardState.Confirm>()
    }

    @Test
    fun `a refused seed write ends the contact - no second authentication until the user tries once more`() {
        val h = Harness(networkTime)
        val hold = confirmGithub(h)
        val sim = SimToken(Serials.RESTRICTED, 5_000L, null)
        // 5 s off: the first GET INFO decides the advice, so the commands are GET INFO, GET
        // CHALLENGE, EXTERNAL AUTHENTICATE, WRITE CONFIG and WRITE SEED (5th), refused here.
        sim.answerCommand(5u, byteArrayOf(0x69, 0x83.toByte()))
        val link = SimLink(sim)
        h.send(WizardEvent.TokenTapped(link))

        val failed = h.expect<WizardState.Failed>()
        val refused = failed.failure as Failure.Refused
        assertTrue(refused.tokenMayBeBlank, refused.message)
        assertEquals(Serials.RESTRICTED, refused.resumeSerial)
        assertTrue(refused.message.contains("69 83"), refused.message)
        assertTrue(refused.message.contains("no seed"), refused.message)
        assertFalse(failed.tapAgain)
        assertTrue(failed.mustResume)
        assertEquals(1u, sim.authAttempts())
        val sent = link.commands

        // The token is presented again (it never left, or the user re-taps): nothing is sent.
        h.send(WizardEvent.TokenTapped(link))
        assertEquals(sent, link.commands, "no contact after a refusal")
        assertEquals(1u, sim.authAttempts())
        // Leaving is not offered while the token may be blank.
        h.send(WizardEvent.Back)
        assertEquals(failed, h.state)

        // The explicit choice arms exactly one more contact, on the same serial.
        val armed = h.send(WizardEvent.TryAgain) as WizardState.Failed
        assertTrue(armed.retryArmed && armed.tapAgain)
        h.send(WizardEvent.TokenTapped(link))
        val done = h.expect<WizardState.Done>()
        assertEquals(Serials.RESTRICTED, done.report.token.serial)
        assertEquals(2u, sim.authAttempts())
        assertTrue(sim.holds(hold.job.seed))
    }

    @Test
    fun `token lost after config on a restricted model, then finished on the same serial only`() {
        val h = Harness(networkTime)
        val hold = confirmGithub(h)
        val sim = SimToken(Serials.RESTRICTED, 5_000L, null)
        sim.dropLinkAfter(4u, true) // WRITE CONFIG processed, then the token leaves the field

        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val failed = h.expect<WizardState.Failed>()
        val lost = failed.failure as Failure.LinkLost
        assertTrue(lost.tokenMayBeBlank, lost.message)
        assertEquals(Serials.RESTRICTED, lost.resumeSerial)
        assertTrue(lost.message.contains("no seed"), lost.message)
        assertTrue(failed.tapAgain)
        // WRITE CONFIG was processed but its answer never arrived: the last confirmed stage.
        assertEquals(ContactStage.Authenticated, failed.progress.stage)
        assertFalse(sim.holdsSeed(), "the clock write erased the seed")

        // Leaving is not offered while the token may be blank.
        h.send(WizardEvent.Back)
        h.expect<WizardState.Failed>()

        // Another token is refused after GET INFO, and the wizard still waits for the first.
        val other = SimToken(Serials.OTHER_RESTRICTED, 0L, null)
        val otherLink = SimLink(other)
        h.send(WizardEvent.TokenTapped(otherLink))
        val wrong = h.expect<WizardState.Failed>().failure as Failure.LinkLost
        assertEquals(Serials.RESTRICTED, wrong.resumeSerial)
        assertTrue(wrong.message.contains(Serials.OTHER_RESTRICTED), wrong.message)
        assertEquals(1, otherLink.commands)
        assertFalse(other.holdsSeed())

        // The same token finishes.
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val done = h.expect<WizardState.Done>()
        assertEquals(Serials.RESTRICTED, done.report.token.serial)
        assertTrue(sim.holds(hold.job.seed))
        assertTrue(abs(sim.clockOffsetMs()) <= 1_000, "clock set: ${sim.clockOffsetMs()} ms")
    }

    @Test
    fun `wrong QR - a Microsoft push registration gets its specific message`() {
        val h = Harness(networkTime)
        val input = CoreSessions.parse(MICROSOFT_PUSH)
        h.send(WizardEvent.QrUnreadable(UnreadableHint.HOLD_STEADY))
        assertEquals(UnreadableHint.HOLD_STEADY, h.expect<WizardState.GetSeed>().qrUnreadable)
        h.send(WizardEvent.Scanned(input))
        val s = h.expect<WizardState.GetSeed>()
        val problem = s.problem!!
        assertTrue(problem.wrongQr)
        assertEquals(InputMode.Scan, s.mode)
        assertNull(s.qrUnreadable)
        assertTrue(problem.reason.contains("Microsoft"), problem.reason)
        assertTrue(problem.reason.contains("different authenticator"), problem.reason)
        // Nothing to confirm: the scan stays open, and Back clears the message.
        h.send(WizardEvent.ConfirmSeed)
        h.expect<WizardState.GetSeed>()
        h.send(WizardEvent.Back)
        assertNull(h.expect<WizardState.GetSeed>().problem)
    }

    @Test
    fun `ambiguous typed seed - the user picks Hex or Base32, nothing is guessed`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.ChooseInputMode(InputMode.Type), WizardEvent.TypedChanged(AMBIGUOUS))
        val live = h.expect<WizardState.GetSeed>().typed as TypedCheck.Ambiguous
        assertEquals(128, live.hexBits)
        assertEquals(160, live.base32Bits)

        h.send(WizardEvent.TypedSubmitted(AMBIGUOUS))
        val ask = h.expect<WizardState.AskEncoding>()
        assertEquals(128, ask.asHex.secretBits.toInt())
        assertEquals(160, ask.asBase32.secretBits.toInt())
        assertNotEquals(ask.asHex.fingerprint, ask.asBase32.fingerprint)

        h.send(WizardEvent.ChooseEncoding(asHex = true))
        val c = h.expect<WizardState.Confirm>()
        assertEquals(ask.asHex.fingerprint, c.info.fingerprint)
        assertTrue(c.settingsEditable, "a typed seed carries no settings")
        h.send(WizardEvent.SetSettings("SHA256", 60))
        val set = h.expect<WizardState.Confirm>()
        assertEquals("SHA256", set.info.algorithm)
        assertEquals(60u, set.info.period)
        assertEquals(c.info.fingerprint, set.info.fingerprint)
        // Continue confirms the settings on screen: no "assumed defaults" warning is left.
        h.send(WizardEvent.ConfirmSeed)
        val job = h.expect<WizardState.Hold>().job
        assertTrue(job.info.warnings.none { it.contains("assuming") }, job.info.warnings.toString())
        assertEquals("SHA256", job.info.algorithm)
    }

    @Test
    fun `typed seed with a typo is explained live, with look-alike suggestions, and not accepted`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.ChooseInputMode(InputMode.Type), WizardEvent.TypedChanged("JBSWY3DPEHPK3PX1"))
        val invalid = h.expect<WizardState.GetSeed>().typed as TypedCheck.Invalid
        assertTrue(invalid.reason.isNotBlank())
        h.send(WizardEvent.TypedChanged("JBSWY3DPEHPK3PXP"))
        assertEquals(TypedCheck.Valid(80), h.expect<WizardState.GetSeed>().typed)
        h.send(WizardEvent.TypedChanged(""))
        assertEquals(TypedCheck.Empty, h.expect<WizardState.GetSeed>().typed)
        h.send(WizardEvent.TypedSubmitted("JBSWY3DPEHPK3PX1"))
        val s = h.expect<WizardState.GetSeed>()
        assertEquals(InputMode.Type, s.mode)
        assertFalse(s.problem!!.wrongQr)
    }

    @Test
    fun `untrusted phone clock - said, and confirmed before the token clock is set from it`() {
        val h = Harness(phoneClock)
        h.send(WizardEvent.Shared(GITHUB_LINK))
        assertFalse(h.expect<WizardState.Confirm>().clock.trusted)
        h.send(WizardEvent.ConfirmSeed)
        val warn = h.expect<WizardState.ClockUnverified>()
        assertFalse(warn.job.clock.trusted)

        // No token is touched from the warning.
        val sim = SimToken(Serials.RESTRICTED, -47_300L, null)
        val early = SimLink(sim)
        h.send(WizardEvent.TokenTapped(early))
        assertEquals(0, early.commands)
        h.expect<WizardState.ClockUnverified>()

        h.send(WizardEvent.Back)
        h.expect<WizardState.Confirm>()
        h.send(WizardEvent.ConfirmSeed, WizardEvent.AcceptUnverifiedClock)
        h.expect<WizardState.Hold>()
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val done = h.expect<WizardState.Done>()
        assertFalse(done.report.token.drift.referenceTrusted)
        assertEquals("sync required", done.report.token.drift.advice)
        assertTrue(sim.holds(done.job.seed))
    }

    @Test
    fun `a seed the token cannot take is explained on the confirm screen and goes no further`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.Shared("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&issuer=X&digits=8"))
        val c = h.expect<WizardState.Confirm>()
        assertFalse(c.canContinue)
        assertTrue(c.info.problems.isNotEmpty())
        h.send(WizardEvent.ConfirmSeed)
        h.expect<WizardState.Confirm>()
    }
}

class MigrationTest {
    @Test
    fun `Google Authenticator export - pick a burnable account, the others say why not`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.ChooseInputMode(InputMode.Type), WizardEvent.TypedChanged(MigrationLink.sample))
        assertEquals(TypedCheck.Export(3), h.expect<WizardState.GetSeed>().typed)
        h.send(WizardEvent.ChooseInputMode(InputMode.Scan))
        h.send(WizardEvent.Scanned(CoreSessions.parse(MigrationLink.sample)))
        val pick = h.expect<WizardState.PickAccount>()
        assertEquals(3, pick.rows.size)
        assertEquals(listOf(true, false, false), pick.rows.map { it.burnable })
        assertEquals("hotp", pick.rows[1].kind)
        assertTrue(pick.rows[2].info.problems.isNotEmpty())

        h.send(WizardEvent.PickAccount(1)) // not burnable: ignored
        h.expect<WizardState.PickAccount>()
        h.send(WizardEvent.PickAccount(0))
        val c = h.expect<WizardState.Confirm>()
        assertEquals("GitHub", c.info.issuer)
        assertTrue(c.canContinue)
        assertFalse(c.settingsEditable)
    }
}
