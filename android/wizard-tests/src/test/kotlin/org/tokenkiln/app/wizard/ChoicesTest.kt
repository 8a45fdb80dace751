package org.tokenkiln.app.wizard

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.core.BurnOptions
import org.tokenkiln.core.BurnReport
import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.Seed
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink
import kotlin.math.abs

/**
 * The user's choices around a burn and the wizard's robustness: keeping the token clock,
 * giving up a token that may be blank, shares arriving at awkward moments, stale messages,
 * and an unexpected exception during a contact.
 */
class ChoicesTest {
    private fun confirm(h: Harness): WizardState.Confirm {
        h.send(WizardEvent.Shared(GITHUB_LINK))
        return h.expect()
    }

    /** A restricted token that leaves the field right after WRITE CONFIG: it may be blank. */
    private fun loseAfterConfig(h: Harness, clockOffsetMs: Long): SimToken {
        confirm(h)
        h.send(WizardEvent.ConfirmSeed)
        val sim = SimToken(Serials.RESTRICTED, clockOffsetMs, null)
        sim.dropLinkAfter(4u, true)
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        return sim
    }

    @Test
    fun `keeping the token clock - burned without setting it, and no unverified-clock warning`() {
        val h = Harness(phoneClock) // an unverified clock: the warning is about setting the token from it
        assertTrue(confirm(h).syncClock, "setting the clock is the default")
        h.send(WizardEvent.SetSyncClock(false), WizardEvent.ConfirmSeed)
        val hold = h.expect<WizardState.Hold>()
        assertFalse(hold.job.syncClock)

        val sim = SimToken(Serials.P1, 4_000L, null) // 4 s fast
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        h.expect<WizardState.Done>()
        assertTrue(sim.holds(hold.job.seed))
        assertTrue(abs(sim.clockOffsetMs() - 4_000L) <= 1_000, "clock kept: ${sim.clockOffsetMs()} ms")
    }

    @Test
    fun `the unverified-clock warning offers to keep the token clock`() {
        val h = Harness(phoneClock)
        confirm(h)
        h.send(WizardEvent.ConfirmSeed)
        h.expect<WizardState.ClockUnverified>()
        h.send(WizardEvent.SetSyncClock(true)) // not a way past the warning
        h.expect<WizardState.ClockUnverified>()
        h.send(WizardEvent.SetSyncClock(false))
        assertFalse(h.expect<WizardState.Hold>().job.syncClock)
        // Back keeps the choice on the confirm screen.
        h.send(WizardEvent.Back)
        assertFalse(h.expect<WizardState.Confirm>().syncClock)
    }

    @Test
    fun `a token that may be blank is given up only after an explicit second step`() {
        val h = Harness(networkTime)
        loseAfterConfig(h, 5_000L)
        assertTrue(h.expect<WizardState.Failed>().mustResume)

        h.send(WizardEvent.AbandonToken)
        assertTrue(h.expect<WizardState.Failed>().abandonAsked)
        h.send(WizardEvent.Back) // "keep it": the question goes, the resume stays
        val kept = h.expect<WizardState.Failed>()
        assertFalse(kept.abandonAsked)
        assertTrue(kept.mustResume)

        h.send(WizardEvent.AbandonToken, WizardEvent.AbandonToken)
        val c = h.expect<WizardState.Confirm>()
        assertEquals("GitHub", c.info.issuer)
        // the same seed goes onto another token, with no resume serial attached
        h.send(WizardEvent.ConfirmSeed)
        val other = SimToken(Serials.OTHER_RESTRICTED, 0L, null)
        h.send(WizardEvent.TokenTapped(SimLink(other)))
        h.expect<WizardState.Done>()
        assertTrue(other.holdsSeed())
    }

    @Test
    fun `giving up is not offered for failures that leave the token as it was`() {
        val h = Harness(networkTime)
        confirm(h)
        h.send(WizardEvent.ConfirmSeed)
        val sim = SimToken(Serials.P1, 0L, null)
        sim.dropLinkAfter(1u, true) // lost before anything was written
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val f = h.expect<WizardState.Failed>()
        assertFalse(f.mustResume, f.failure.toString())
        h.send(WizardEvent.AbandonToken)
        assertFalse(h.expect<WizardState.Failed>().abandonAsked)
    }

    @Test
    fun `a share does not replace a token that waits to be tapped again, but replaces a finished burn`() {
        val h = Harness(networkTime)
        val sim = loseAfterConfig(h, 0L)
        h.send(WizardEvent.Shared(MigrationLink.sample))
        h.send(WizardEvent.Scanned(CoreSessions.parse(GITHUB_LINK), shared = true))
        assertTrue(h.expect<WizardState.Failed>().mustResume, "the resume is kept")
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        h.expect<WizardState.Done>()

        // After a burn, the camera is off: a late camera frame is ignored, a shared image is not.
        h.send(WizardEvent.Scanned(CoreSessions.parse(GITHUB_LINK)))
        h.expect<WizardState.Done>()
        h.send(WizardEvent.Scanned(CoreSessions.parse(GITHUB_LINK), shared = true))
        assertEquals(SeedSource.Shared, h.expect<WizardState.Confirm>().source)
    }

    @Test
    fun `a refusal is cleared by editing the key or switching input mode`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.ChooseInputMode(InputMode.Type), WizardEvent.TypedSubmitted("not a key!"))
        assertTrue(h.expect<WizardState.GetSeed>().problem != null, h.state.toString())
        h.send(WizardEvent.TypedChanged("JBSW"))
        assertNull(h.expect<WizardState.GetSeed>().problem)
        h.send(WizardEvent.ChooseInputMode(InputMode.Scan), WizardEvent.Scanned(CoreSessions.parse(MICROSOFT_PUSH)))
        assertTrue(h.expect<WizardState.GetSeed>().problem!!.wrongQr)
        h.send(WizardEvent.ChooseInputMode(InputMode.Type))
        assertNull(h.expect<WizardState.GetSeed>().problem)
    }

    @Test
    fun `an unexpected exception during a contact is reported and leaves the wizard usable`() {
        val broken = object : TokenSessions by CoreSessions {
            override fun burn(
                link: TokenLink,
                clock: ReferenceClock,
                seed: Seed,
                options: BurnOptions,
                observer: SessionObserver,
            ): BurnReport = throw IllegalStateException("bug in the app")
        }
        val h = Harness(networkTime, broken)
        confirm(h)
        h.send(WizardEvent.ConfirmSeed)
        h.send(WizardEvent.TokenTapped(SimLink(SimToken(Serials.P1, 0L, null))))
        val f = h.expect<WizardState.Failed>()
        assertTrue(f.failure is Failure.Internal && f.failure.message.contains("bug in the app"), f.failure.toString())
        // not stuck: events are heard again
        h.send(WizardEvent.Back)
        h.expect<WizardState.Confirm>()
    }
}
