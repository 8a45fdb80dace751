package org.tokenkiln.app.ui

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.GITHUB_LINK
import org.tokenkiln.app.wizard.MICROSOFT_PUSH
import org.tokenkiln.app.wizard.phoneClock
import org.tokenkiln.app.wizard.Harness
import org.tokenkiln.app.wizard.Serials
import org.tokenkiln.app.wizard.SimLink
import org.tokenkiln.app.wizard.networkTime
import org.tokenkiln.app.wizard.WizardState
import org.tokenkiln.core.SimToken

/** Spoken and haptic cues along a real session, and which screens get FLAG_SECURE. */
class CuesTest {
    private val strings = XmlStrings.load()

    private fun cues(states: List<WizardState>): List<Cue> {
        var previous: WizardState? = null
        return states.mapNotNull { s -> cueFor(previous, s, strings).also { previous = s } }
    }

    @Test
    fun `a burn is announced once per milestone`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
        h.send(WizardEvent.TokenTapped(SimLink(SimToken(Serials.P1, 1_000L, null))))
        val spoken = cues(h.seen.toList())
        assertEquals(
            listOf(strings.text(S.cue_seed_read), strings.text(S.cue_hold), strings.text(S.cue_found), strings.text(S.cue_done)),
            spoken.map { it.speech },
        )
        assertEquals(listOf(Haptic.Tick, Haptic.None, Haptic.Tick, Haptic.Success), spoken.map { it.haptic })
    }

    @Test
    fun `a wrong QR code and an unverified clock are announced`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.Shared(MICROSOFT_PUSH))
        val wrong = cues(h.seen.toList()).single()
        assertEquals((h.state as WizardState.GetSeed).problem!!.reason, wrong.speech)
        assertEquals(Haptic.Error, wrong.haptic)

        val u = Harness(phoneClock)
        u.send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
        assertTrue(u.state is WizardState.ClockUnverified)
        assertEquals(strings.text(S.cue_clock_unverified), cues(u.seen.toList()).last().speech)
    }

    @Test
    fun `a lost token is announced with the core's consequence`() {
        val h = Harness(networkTime)
        h.send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
        val sim = SimToken(Serials.RESTRICTED, 0L, null)
        sim.dropLinkAfter(4u, true)
        h.send(WizardEvent.TokenTapped(SimLink(sim)))
        val last = cues(h.seen.toList()).last()
        val failed = h.state as WizardState.Failed
        assertEquals(strings.text(S.cue_failed, failed.failure.message), last.speech)
        assertEquals(Haptic.Error, last.haptic)
        assertNull(cueFor(failed, failed, strings), "the same failure is not repeated")
    }

    @Test
    fun `seed screens are secure, token screens are not`() {
        val h = Harness(networkTime)
        assertTrue(h.state.showsSeedData())
        h.send(WizardEvent.Shared(GITHUB_LINK))
        assertTrue(h.state.showsSeedData())
        h.send(WizardEvent.ConfirmSeed)
        assertTrue(h.state is WizardState.Hold && h.state.showsSeedData(), "Hold names the account and fingerprint")
        h.send(WizardEvent.TokenTapped(SimLink(SimToken(Serials.P1, 0L, null))))
        val contact = h.seen.filterIsInstance<WizardState.InContact>()
        assertTrue(contact.isNotEmpty())
        contact.forEach { assertFalse(it.showsSeedData(), "$it") }
        assertTrue(h.state is WizardState.Done && h.state.showsSeedData(), "Done shows codes of the seed")
    }
}
