package org.tokenkiln.app.wizard

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.tokenkiln.core.LinkException
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.ageDecryptForTests
import org.tokenkiln.core.ageEncryptForTests
import org.tokenkiln.core.ageKeyPairForTests
import org.tokenkiln.core.parseSeedInput
import org.tokenkiln.core.setScryptWorkFactorForTests
import java.io.File
import java.io.FileOutputStream

/**
 * The batch wizard ("Enrol many tokens") driven event by event against the real core
 * (kiln-fleet's batch under kiln-ffi) and boxes of simulated tokens.
 */
class BatchWizardTest {
    companion object {
        @JvmStatic
        @BeforeAll
        fun cheapScrypt() {
            // As the CLI's tests do: age's default work factor costs seconds in a debug build.
            setScryptWorkFactorForTests(4u)
        }
    }

    @TempDir
    lateinit var tmp: File

    private val device = JournalSecrets { "device secret of this test".toByteArray() }

    private fun wizard(dir: File = File(tmp, "app")) = BatchWizard(BatchStore(dir), device, networkTime)

    private inline fun <reified T : BatchState> BatchWizard.expect(): T =
        state as? T ?: throw AssertionError("expected ${T::class.simpleName}, batch wizard is in $state")

    private fun BatchWizard.dispatch(vararg events: BatchEvent) = events.forEach { dispatch(it) }

    /** The simulated card behind a link that records each command's INS byte. */
    /**
     * The simulated card behind a link that records each command's INS byte. [loseAfterSeed]:
     * the token leaves the field once it processed WRITE SEED (INS C5), its answer lost.
     */
    class InsLink(private val sim: SimToken, private val loseAfterSeed: Boolean = false) : org.tokenkiln.core.TokenLink {
        val ins = mutableListOf<Int>()
        override fun transceive(apdu: ByteArray): ByteArray {
            val code = apdu[1].toInt() and 0xFF
            ins += code
            val answer = sim.transceive(apdu)
            if (loseAfterSeed && code == 0xC5) throw LinkException.TagLost("test: the token left after WRITE SEED")
            return answer
        }
    }

    private fun BatchWizard.tap(sim: SimToken, loseAfterSeed: Boolean = false): Pair<BatchRow, InsLink> {
        val link = InsLink(sim, loseAfterSeed)
        dispatch(BatchEvent.TokenTapped(link))
        val t = expect<BatchState.Tapping>()
        assertNull(t.contact, "the contact is over")
        return t.rows.first() to link
    }

    /** The seed a line of an export names, as the core reads it. */
    private fun seedOf(base32: String) =
        (parseSeedInput("otpauth://totp/t?secret=$base32") as SeedInput.Totp).seed

    /** Entra CSV rows by serial: (secret key, model). */
    private fun entraRows(csv: String): Map<String, List<String>> {
        val lines = csv.trim().lines()
        assertEquals("upn,serial number,secret key,time interval,manufacturer,model", lines.first().trim())
        return lines.drop(1).associate { l -> val f = l.trim().split(","); f[1] to f }
    }

    @Test
    fun `a box of tokens - several models, an unknown, a lost link finished, a repeat - and the export opens`() {
        val (identity, publicKey) = ageKeyPairForTests()
        val w = wizard()
        val s0 = w.expect<BatchState.Settings>()
        assertFalse(s0.canStart, "no recipient yet")
        w.dispatch(BatchEvent.Start)
        assertTrue(w.state is BatchState.Settings, "Start is ignored without a recipient")
        w.dispatch(BatchEvent.SetRecipient("age1notakey"))
        assertFalse(w.expect<BatchState.Settings>().canStart)
        w.dispatch(BatchEvent.SetRecipient(publicKey))
        val settings = w.expect<BatchState.Settings>()
        assertTrue(settings.canStart)
        assertFalse(settings.secure, "no passphrase on screen: no FLAG_SECURE")
        w.dispatch(BatchEvent.SetDisplayTimeout(60), BatchEvent.Start)
        val first = w.expect<BatchState.Tapping>()
        assertTrue(first.rows.isEmpty())
        assertEquals(0u, first.tally.burned)
        assertFalse(first.secure)

        val p1 = SimToken(Serials.P1, 2_000L, null)
        val p2 = SimToken(Serials.RESTRICTED, -1_500L, null)
        val p2b = SimToken(Serials.OTHER_RESTRICTED, 700L, null)
        val p1b = SimToken("86596120000002", 0L, null)
        val unknown = SimToken(Serials.UNKNOWN, 0L, 3.toUByte())

        val (r1, _) = w.tap(p1)
        assertEquals(RowResult.Burned, r1.result)
        assertEquals(Serials.P1, r1.serial)
        assertEquals("Token2 OTPC-P1-i", r1.model)
        assertTrue(kotlin.math.abs(r1.driftMs!! - 2_000) < 1_000, r1.toString())
        assertEquals(BatchHaptic.Success, w.expect<BatchState.Tapping>().haptic)
        assertTrue(w.expect<BatchState.Tapping>().announcement!!.contains("burned"))
        assertEquals("SHA1/30s/60s-display", p1.config())

        val (r2, full) = w.tap(p2)
        assertEquals(RowResult.Burned, r2.result)
        assertEquals("Token2 OTPC-P2-i", r2.model)

        val (ru, _) = w.tap(unknown)
        assertEquals(RowResult.Unknown, ru.result)
        assertEquals(Serials.UNKNOWN, ru.serial)
        assertFalse(unknown.holdsSeed())
        assertEquals(0u, unknown.authAttempts(), "an unknown model gets GET INFO only")
        assertEquals(BatchHaptic.Skipped, w.expect<BatchState.Tapping>().haptic)

        // The link drops once WRITE SEED was processed, its answer lost: the same token next.
        assertTrue(0xC5 in full.ins, full.ins.toString())
        val (rl, _) = w.tap(p2b, loseAfterSeed = true)
        assertEquals(RowResult.LinkLost, rl.result, rl.toString())
        val lost = w.expect<BatchState.Tapping>()
        assertEquals(Serials.OTHER_RESTRICTED, lost.waitingFor)
        assertEquals(BatchHaptic.Retap, lost.haptic)
        assertTrue(lost.announcement!!.contains("same token"), lost.announcement)

        // Another token meanwhile: named and left alone.
        val (rw, _) = w.tap(p1b)
        assertEquals(RowResult.Skipped, rw.result)
        assertTrue(rw.detail.contains(Serials.OTHER_RESTRICTED), rw.detail)
        assertFalse(p1b.holdsSeed())
        assertEquals(0u, p1b.authAttempts())

        val (rf, _) = w.tap(p2b)
        assertEquals(RowResult.Finished, rf.result)
        assertNull(w.expect<BatchState.Tapping>().waitingFor)

        // The same token twice: named and skipped, nothing sent beyond GET INFO.
        val before = p1.authAttempts()
        val (rr, _) = w.tap(p1)
        assertEquals(RowResult.Repeat, rr.result)
        assertEquals(Serials.P1, rr.serial)
        assertEquals(before, p1.authAttempts())
        assertTrue(w.expect<BatchState.Tapping>().announcement!!.contains("burned already"))

        val (r5, _) = w.tap(p1b)
        assertEquals(RowResult.Burned, r5.result)

        val tally = w.expect<BatchState.Tapping>().tally
        assertEquals(4u, tally.burned)
        assertEquals(4u, tally.confirmedTotal)
        assertEquals(1u, tally.retap)
        assertEquals(3u, tally.skipped)
        assertTrue(tally.unconfirmed.isEmpty(), tally.unconfirmed.toString())
        assertEquals(8, w.expect<BatchState.Tapping>().rows.size, "one row per contact")

        // Save export: Entra CSV by default, through the stream the picker's Uri opens.
        w.dispatch(BatchEvent.Finish)
        val ex = w.expect<BatchState.Export>()
        assertEquals("entra-csv", ex.format)
        assertTrue("csv" in ex.formats && "dualshield-xml" in ex.formats, ex.formats.toString())
        w.dispatch(BatchEvent.UpnMapPicked("upns.csv", "serial,upn\n${Serials.P1},alice@example.com\n"))
        val out = File(tmp, "box.csv.age")
        w.dispatch(BatchEvent.SaveExport(FileOutputStream(out)))
        val saved = w.expect<BatchState.Export>()
        assertNull(saved.problem, saved.problem)
        assertEquals(4, saved.saved!!.rows)
        val bytes = out.readBytes()
        assertTrue(String(bytes).startsWith("-----BEGIN AGE ENCRYPTED FILE-----"), "an armored age file")
        assertFalse(String(bytes).contains(Serials.P1), "no serial in clear")
        val rows = entraRows(String(ageDecryptForTests(bytes, identity, null)))
        assertEquals(setOf(Serials.P1, Serials.RESTRICTED, Serials.OTHER_RESTRICTED, "86596120000002"), rows.keys)
        for ((serial, sim) in listOf(Serials.P1 to p1, Serials.RESTRICTED to p2, Serials.OTHER_RESTRICTED to p2b, "86596120000002" to p1b)) {
            val row = rows.getValue(serial)
            assertTrue(sim.holds(seedOf(row[2])), "the export's seed of $serial is the one on the token")
        }
        assertEquals("alice@example.com", rows.getValue(Serials.P1)[0])
        assertEquals("30", rows.getValue(Serials.P1)[3])
    }

    @Test
    fun `the app killed mid-batch reopens on the same journal, continues, and finishes the token`() {
        val app = File(tmp, "app")
        val w = wizard(app)
        w.dispatch(BatchEvent.SetPassphrase("correct horse battery".toCharArray(), "correct horse batterY".toCharArray()))
        val mismatch = w.expect<BatchState.Settings>()
        assertEquals(Protection.Passphrase(Strength.Strong, matches = false), mismatch.protection)
        assertTrue(mismatch.secure, "the passphrase screen is FLAG_SECURE")
        assertFalse(mismatch.canStart)
        w.dispatch(BatchEvent.SetPassphrase("pw".toCharArray(), "pw".toCharArray()))
        assertFalse(w.expect<BatchState.Settings>().canStart, "a weak passphrase is not accepted")
        val pw = "correct horse battery staple 42"
        w.dispatch(BatchEvent.SetPassphrase(pw.toCharArray(), pw.toCharArray()), BatchEvent.Start)
        w.expect<BatchState.Tapping>()

        val a = SimToken(Serials.P1, 0L, null)
        val b = SimToken(Serials.RESTRICTED, 0L, null)
        val (ra, linkA) = w.tap(a)
        assertEquals(RowResult.Burned, ra.result)
        assertTrue(0xC5 in linkA.ins, linkA.ins.toString())
        assertEquals(RowResult.LinkLost, w.tap(b, loseAfterSeed = true).first.result)
        assertTrue(b.holdsSeed(), "the token holds the new seed, its write unconfirmed")

        // Killed: a new wizard over the same app directory offers to continue or export.
        val again = wizard(app)
        val resume = again.expect<BatchState.Resume>()
        assertTrue(resume.needsPassphrase)
        assertTrue(resume.secure)
        assertNull(resume.saved.recipient)
        again.dispatch(BatchEvent.ResumePassphrase("wrong passphrase".toCharArray()), BatchEvent.Continue)
        val refused = again.expect<BatchState.Resume>()
        assertNotNull(refused.problem)
        assertTrue(refused.problem!!.contains("passphrase"), refused.problem)
        again.dispatch(BatchEvent.ResumePassphrase(pw.toCharArray()), BatchEvent.Continue)
        val cont = again.expect<BatchState.Tapping>()
        assertEquals(listOf(Serials.RESTRICTED), cont.tally.unconfirmed)
        assertEquals(1u, cont.tally.confirmedTotal)

        val (rb, _) = again.tap(b)
        assertEquals(RowResult.Finished, rb.result, rb.toString())
        assertEquals(2u, again.expect<BatchState.Tapping>().tally.confirmedTotal)

        again.dispatch(BatchEvent.Finish, BatchEvent.ChooseFormat("csv"))
        val out = File(tmp, "box.csv.age")
        again.dispatch(BatchEvent.SaveExport(FileOutputStream(out)))
        assertEquals(2, again.expect<BatchState.Export>().saved!!.rows)
        val csv = String(ageDecryptForTests(out.readBytes(), null, pw.toByteArray())).trim().lines()
        val bySerial = csv.drop(1).associate { l -> val f = l.split(","); f[0] to f[1] }
        assertTrue(a.holds(seedOf(bySerial.getValue(Serials.P1))))
        assertTrue(b.holds(seedOf(bySerial.getValue(Serials.RESTRICTED))), "finished with its journalled seed")

        // After a saved export a new batch starts empty; the old journal stays on disk.
        again.dispatch(BatchEvent.NewBatch)
        again.expect<BatchState.Settings>()
        assertTrue(wizard(app).state is BatchState.Settings)
        assertTrue(app.walk().any { it.name == "journal.agej" })
    }

    @Test
    fun `an encrypted seed file needs its passphrase, and a token not in it is skipped`() {
        val seeds = "serial,secret\n${Serials.P1},GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"
        val encrypted = ageEncryptForTests(seeds.toByteArray(), "file passphrase".toByteArray())
        val (_, publicKey) = ageKeyPairForTests()
        val w = wizard()
        w.dispatch(BatchEvent.SeedFilePicked("seeds.csv.age", encrypted), BatchEvent.SetRecipient(publicKey))
        val s = w.expect<BatchState.Settings>()
        assertEquals(BatchSeeds.File("seeds.csv.age", encrypted = true, hasPassphrase = false), s.seeds)
        assertFalse(s.canStart, "an encrypted seed file needs its passphrase")
        w.dispatch(BatchEvent.SeedFilePassphrase("not it".toCharArray()), BatchEvent.Start)
        val wrong = w.expect<BatchState.Settings>()
        assertTrue(wrong.problem!!.contains("does not open"), wrong.problem)
        w.dispatch(BatchEvent.SeedFilePassphrase("file passphrase".toCharArray()), BatchEvent.Start)
        w.expect<BatchState.Tapping>()

        val listed = SimToken(Serials.P1, 0L, null)
        assertEquals(RowResult.Burned, w.tap(listed).first.result)
        assertTrue(listed.holds(seedOf("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")), "the seed file's seed")
        val other = SimToken(Serials.RESTRICTED, 0L, null)
        val (row, _) = w.tap(other)
        assertEquals(RowResult.Skipped, row.result)
        assertTrue(row.detail.contains("not in the seed file"), row.detail)
        assertFalse(other.holdsSeed())
    }
}
