package org.tokenkiln.jvmtests

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.tokenkiln.core.BurnOptions
import org.tokenkiln.core.KilnException
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink
import org.tokenkiln.core.UnknownModelKey
import org.tokenkiln.core.burnToken
import org.tokenkiln.core.parseSeedInput
import org.tokenkiln.core.readToken
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.syncToken
import kotlin.math.abs

/** Token sessions driven from Kotlin: Kotlin implements TokenLink, the simulated card answers. */
class BurnTest {
    companion object {
        const val RESTRICTED = "86596220000001" // OTPC-P2-i: a clock write erases the seed
        const val OTHER_RESTRICTED = "86596220000999"
        const val UNKNOWN = "12345678901234"
        const val OTHER_KEY = "00112233445566778899AABBCCDDEEFF"
    }

    private val seed =
        (parseSeedInput(
            "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub&algorithm=SHA256&period=60",
        ) as SeedInput.Totp).seed

    private val options = BurnOptions(
        displayTimeoutSecs = 60u,
        syncClock = true,
        resumeSerial = null,
        unknownModelKey = null,
    )

    @Test
    fun `full burn of the simulated token from Kotlin`() {
        val sim = SimToken(RESTRICTED, -47_300L, null)
        val link = simLink(sim)
        val observer = RecordingObserver()
        val report = burnToken(link, phoneClock, seed, options, observer)

        assertTrue(sim.holds(seed), "the card holds the seed")
        assertEquals("SHA256/60s/60s-display", sim.config())
        // GET INFO (+ refinement polls), GET CHALLENGE, one EXTERNAL AUTHENTICATE, WRITE CONFIG,
        // WRITE SEED, GET INFO (+ confirmation polls) — and nothing else.
        val writes = link.sent.dropWhile { it == GET_INFO }
        assertEquals(listOf(GET_CHALLENGE, EXTERNAL_AUTHENTICATE, WRITE_CONFIG, WRITE_SEED), writes.take(4), link.sent.toString())
        assertTrue(writes.drop(4).isNotEmpty() && writes.drop(4).all { it == GET_INFO }, link.sent.toString())
        // Token as found: 47.3 s behind the phone clock.
        assertEquals(RESTRICTED, report.token.serial)
        assertEquals("Token2 OTPC-P2-i", report.token.model)
        assertTrue(report.token.knownModel && report.token.restrictedSync)
        val drift = report.token.drift
        assertTrue(abs(drift.driftMs + 47_300) <= drift.uncertaintyMs, drift.toString())
        assertEquals("sync required", drift.advice)
        // After: on the reference second, and the codes are the seed's.
        assertTrue(abs(report.residualMs!!) <= 1_000, report.toString())
        assertTrue(abs(sim.clockOffsetMs()) <= 1_000, "sim clock offset ${sim.clockOffsetMs()}")
        assertEquals(Triple("SHA256", 60u, 60u), Triple(report.algorithm, report.period, report.displayTimeoutSecs))
        // Compared mid-step: the token clock may be up to a second off, which near a step
        // boundary would put it in the neighbouring step.
        val now = midStep(nowSecs(), 60)
        val expected = seed.expectedCodes(now)
        assertEquals(expected.current, sim.codeAt(now))
        assertEquals(expected.next, sim.codeAt(now + 60))
        // The report's codes were computed at the end of the burn, moments ago: this step's,
        // or the previous one's when a step boundary has passed since.
        val real = seed.expectedCodes(nowSecs())
        assertTrue(report.codes.current in listOf(real.current, real.previous), report.codes.toString())
        assertTrue(report.nextStep.contains("off and on"), report.nextStep)

        assertEquals(listOf("found", "drift", "auth", "config", "seed", "confirmed"), observer.names())
        val found = observer.events.first { it is SessionEvent.TokenFound } as SessionEvent.TokenFound
        assertEquals(RESTRICTED, found.serial)
        assertTrue(observer.events.any { it is SessionEvent.Step && it.text == "Writing the seed…" })
    }

    @Test
    fun `link loss mid-burn on a restricted model, then resume on the same token only`() {
        val sim = SimToken(RESTRICTED, 5_000L, null)
        // 4th command = WRITE CONFIG: processed, then the tag leaves the field.
        sim.dropLinkAfter(4u, true)
        val lost = assertThrows<KilnException.LinkLost> {
            burnToken(isoDepOverSim(sim), phoneClock, seed, options, null)
        }
        assertTrue(lost.tokenMayBeBlank, lost.userMessage)
        assertEquals(RESTRICTED, lost.resumeSerial)
        assertTrue(lost.userMessage.contains("no seed"), lost.userMessage)
        assertFalse(sim.holdsSeed(), "restricted model: the clock write erased the seed")

        // Another token is refused for the resume, after GET INFO only.
        val other = SimToken(OTHER_RESTRICTED, 0L, null)
        val otherLink = simLink(other)
        val wrong = assertThrows<KilnException.LinkLost> {
            burnToken(otherLink, phoneClock, seed, options.copy(resumeSerial = lost.resumeSerial), null)
        }
        assertEquals(RESTRICTED, wrong.resumeSerial)
        assertTrue(wrong.userMessage.contains(OTHER_RESTRICTED), wrong.userMessage)
        assertEquals(listOf(GET_INFO), otherLink.sent)
        assertFalse(other.holdsSeed())

        // The same token finishes the burn.
        val report = burnToken(simLink(sim), phoneClock, seed, options.copy(resumeSerial = lost.resumeSerial), null)
        assertEquals(RESTRICTED, report.token.serial)
        assertTrue(sim.holds(seed))
        val mid = midStep(nowSecs(), seed.expectedCodes(nowSecs()).period.toLong())
        assertEquals(seed.expectedCodes(mid).current, sim.codeAt(mid))
    }

    @Test
    fun `LinkException thrown straight from the link is a link loss too`() {
        val sim = SimToken(RESTRICTED, 0L, null)
        sim.dropLinkAfter(5u, false) // WRITE SEED never arrives
        val lost = assertThrows<KilnException.LinkLost> {
            burnToken(simLink(sim), phoneClock, seed, options, null)
        }
        assertTrue(lost.tokenMayBeBlank)
        assertEquals(RESTRICTED, lost.resumeSerial)
    }

    @Test
    fun `refused key reports tries left and is tried once`() {
        val sim = SimToken.withKey(RESTRICTED, 0L, 3.toUByte(), OTHER_KEY)
        val link = simLink(sim)
        val refused = assertThrows<KilnException.RefusedByToken> {
            burnToken(link, phoneClock, seed, options, null)
        }
        assertEquals(2.toUByte(), refused.triesLeft)
        assertTrue(refused.userMessage.contains("2 tries left"), refused.userMessage)
        assertEquals(listOf(GET_INFO, GET_CHALLENGE, EXTERNAL_AUTHENTICATE), link.sent, "one key check, nothing written")
        assertEquals(2.toUByte(), sim.triesLeft())
        assertFalse(sim.holdsSeed())
    }

    @Test
    fun `unknown model is read-only until the user names a key`() {
        val sim = SimToken(UNKNOWN, 0L, 3.toUByte())
        val e = assertThrows<KilnException.UnknownModel> { burnToken(simLink(sim), phoneClock, seed, options, null) }
        assertEquals(UNKNOWN, e.serial)
        // Named, but wrong: refused with tries left, nothing written.
        val wrongKey = options.copy(unknownModelKey = UnknownModelKey.Custom(OTHER_KEY))
        val refused = assertThrows<KilnException.RefusedByToken> {
            burnToken(simLink(sim), phoneClock, seed, wrongKey, null)
        }
        assertEquals(2.toUByte(), refused.triesLeft)
        val report = burnToken(simLink(sim), phoneClock, seed, options.copy(unknownModelKey = UnknownModelKey.FamilyDefault), null)
        assertFalse(report.token.knownModel)
        assertTrue(sim.holds(seed))
    }

    @Test
    fun `an unexpected RuntimeException in the Kotlin link becomes a typed link loss`() {
        val sim = SimToken(RESTRICTED, 0L, null)
        var n = 0
        val flaky = object : TokenLink {
            override fun transceive(apdu: ByteArray): ByteArray {
                if (++n == 2) throw IllegalStateException("Call connect() first!")
                return sim.transceive(apdu)
            }
        }
        val lost = assertThrows<KilnException.LinkLost> { burnToken(flaky, phoneClock, seed, options, null) }
        assertFalse(lost.tokenMayBeBlank)
        assertEquals(null, lost.resumeSerial)
        assertTrue(lost.userMessage.contains("IllegalStateException"), lost.userMessage)
        assertTrue(lost.userMessage.contains("Nothing was written"), lost.userMessage)
        // The library is still usable afterwards.
        assertNotNull(readToken(simLink(sim), phoneClock, null))
    }

    @Test
    fun `read reports serial, model and drift without writing`() {
        val sim = SimToken("86596120000001", 3_420L, null)
        val link = simLink(sim)
        val info = readToken(link, phoneClock.copy(trusted = true, source = "network time"), null)
        assertEquals("Token2 OTPC-P1-i", info.model)
        assertFalse(info.restrictedSync)
        assertTrue(abs(info.drift.driftMs - 3_420) <= info.drift.uncertaintyMs, info.drift.toString())
        assertEquals("sync recommended", info.drift.advice)
        assertTrue(info.drift.referenceTrusted)
        assertEquals(listOf(GET_INFO), link.sent)
    }

    @Test
    fun `an observer that throws does not abort the burn`() {
        val sim = SimToken(RESTRICTED, 0L, null)
        var calls = 0
        val throwing = object : SessionObserver {
            override fun onEvent(event: SessionEvent) {
                // Throws once (each throw prints uniffi's panic message with the Kotlin
                // stack trace to stderr; one is enough to prove the point).
                if (calls++ == 0) throw IllegalStateException("UI gone")
            }
        }
        val report = burnToken(simLink(sim), phoneClock, seed, options, throwing)
        assertEquals(RESTRICTED, report.token.serial)
        assertTrue(sim.holds(seed))
        assertTrue(calls >= 6, "the events after the exception were still delivered: $calls")
    }

    @Test
    fun `sync sets the clock of an unrestricted token and keeps its seed, restricted models refuse`() {
        // Burned against a reference 9 s ahead of the system clock: the token runs 9 s ahead.
        val off = SimToken("86596120000002", 0L, null)
        burnToken(simLink(off), phoneClock.copy(offsetMs = 9_000L), seed, options, null)
        assertTrue(abs(off.clockOffsetMs() - 9_000) <= 1_000, "burned on the 9 s-ahead reference")
        // The drift interval must hold the token's true offset (the burn set it near 9 s,
        // within its own precision, which a loaded machine widens).
        val truth = off.clockOffsetMs()
        val report = syncToken(simLink(off), phoneClock, "SHA256", 60u, 30u, null)
        assertTrue(
            abs(report.token.drift.driftMs - truth) <= report.token.drift.uncertaintyMs,
            "${report.token.drift} vs true offset $truth ms",
        )
        assertTrue(abs(off.clockOffsetMs()) <= 1_000, "synced: ${off.clockOffsetMs()} ms")
        assertTrue(off.holds(seed), "the seed survives a sync on this model")
        assertEquals("SHA256/60s/30s-display", off.config())
        assertEquals("", report.codes.current)

        val restricted = SimToken(RESTRICTED, 9_000L, null)
        val e = assertThrows<KilnException.BadInput> { syncToken(simLink(restricted), phoneClock, "SHA1", 30u, 30u, null) }
        assertTrue(e.userMessage.contains("erases its seed"), e.userMessage)
    }
}

/** The middle of the time step [now] falls in. */
private fun midStep(now: Long, period: Long): Long = now - Math.floorMod(now, period) + period / 2
