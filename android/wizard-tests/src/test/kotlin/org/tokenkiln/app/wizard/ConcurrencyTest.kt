package org.tokenkiln.app.wizard

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.core.BurnOptions
import org.tokenkiln.core.BurnReport
import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.Seed
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink

/** While a token is in the field, nothing else moves the wizard. */
class ConcurrencyTest {
    @Test
    fun `events and taps during a session are ignored`() {
        val other = SimToken(Serials.P1.dropLast(1) + "9", 0L, null)
        val otherLink = SimLink(other)
        lateinit var wizard: Wizard
        var interfered = 0
        var stateDuring: WizardState? = null
        val sessions = object : TokenSessions {
            override fun parse(text: String): SeedInput = CoreSessions.parse(text)

            override fun burn(link: TokenLink, clock: ReferenceClock, seed: Seed, options: BurnOptions, observer: SessionObserver): BurnReport =
                CoreSessions.burn(link, clock, seed, options, object : SessionObserver {
                    override fun onEvent(event: SessionEvent) {
                        observer.onEvent(event)
                        if (event is SessionEvent.TokenFound) {
                            interfered++
                            wizard.dispatch(WizardEvent.Back)
                            wizard.dispatch(WizardEvent.Shared(GITHUB_LINK))
                            wizard.dispatch(WizardEvent.StartOver)
                            wizard.dispatch(WizardEvent.TokenTapped(otherLink))
                            // Asserted after the session: the core swallows observer exceptions.
                            stateDuring = wizard.state
                        }
                    }
                })
        }
        wizard = Wizard(sessions, networkTime)
        wizard.dispatch(WizardEvent.Shared(GITHUB_LINK))
        wizard.dispatch(WizardEvent.ConfirmSeed)
        val sim = SimToken(Serials.P1, 0L, null)
        wizard.dispatch(WizardEvent.TokenTapped(SimLink(sim)))

        assertEquals(1, interfered)
        assertTrue(stateDuring is WizardState.InContact, stateDuring.toString())
        val done = wizard.state as WizardState.Done
        assertEquals(Serials.P1, done.report.token.serial)
        assertEquals(0, otherLink.commands, "a second tap during a session starts nothing")
        assertTrue(sim.holds(done.job.seed))
    }
}
