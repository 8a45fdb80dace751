package org.tokenkiln.jvmtests

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.tokenkiln.core.KilnException
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.parseSeedInput
import java.io.ByteArrayOutputStream
import java.net.URLEncoder
import java.util.Base64

/** QR payloads and typed seeds through `parseSeedInput`, as the scanner screen sees them. */
class SeedInputTest {
    private fun totp(text: String) = (parseSeedInput(text) as SeedInput.Totp).seed

    /** The documented fingerprint, computed here independently of the core. */
    private fun fingerprintOf(seed: ByteArray): String {
        val d = java.security.MessageDigest.getInstance("SHA-256").digest(seed)
        val bits = ((d[0].toInt() and 0xFF) shl 16) or ((d[1].toInt() and 0xFF) shl 8) or (d[2].toInt() and 0xFF)
        val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return (0 until 4).map { alphabet[(bits shr (19 - 5 * it)) and 0x1F] }.joinToString("")
    }

    @Test
    fun `otpauth link becomes a seed view without the secret`() {
        val seed = totp("otpauth://totp/GitHub:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub")
        val info = seed.info()
        assertEquals("GitHub", info.issuer)
        assertEquals("alice@example.com", info.account)
        assertEquals("SHA1", info.algorithm)
        assertEquals(6.toUByte(), info.digits)
        assertEquals(30u, info.period)
        assertEquals(160u, info.secretBits)
        // The fingerprint: 4 Base32 characters of SHA-256 of the seed (20 bits), none of its text.
        assertEquals(fingerprintOf("12345678901234567890".toByteArray()), info.fingerprint)
        assertFalse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".contains(info.fingerprint))
        assertTrue(info.burnable)
        assertTrue(info.problems.isEmpty())
        // Nothing in the view or its toString carries the secret.
        assertFalse(info.toString().contains("GEZDGNBVGY3TQOJQ"))
        // RFC 6238 seed: T = 59 s gives 287082 (6 digits), the step before 755224.
        val codes = seed.expectedCodes(59L)
        assertEquals("287082", codes.current)
        assertEquals("755224", codes.previous)
        assertEquals(1u, codes.secondsLeft)
        assertTrue(seed.diagnose("287 082", 59L).matched)
        val late = seed.diagnose("287082", 59L + 90L)
        assertFalse(late.matched)
        assertTrue(late.sentence.startsWith("The token clock is about"), late.sentence)
    }

    @Test
    fun `a seed the token cannot take says why, and withParams fixes a typed seed`() {
        val sha512 = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8")
        val info = sha512.info()
        assertFalse(info.burnable)
        assertEquals(2, info.problems.size, info.problems.toString())
        assertTrue(info.problems.any { it.contains("8-digit") })

        val typed = totp("JBSW Y3DP EHPK 3PXP")
        assertTrue(typed.info().warnings.any { it.contains("assuming SHA1") })
        val confirmed = typed.withParams("SHA256", 60u)
        assertEquals("SHA256", confirmed.info().algorithm)
        assertEquals(60u, confirmed.info().period)
        assertFalse(confirmed.info().warnings.any { it.contains("assuming SHA1") })
        val e = assertThrows<KilnException.BadInput> { typed.withParams("MD5", 30u) }
        assertTrue(e.userMessage.contains("MD5"), e.userMessage)
        assertEquals(e.userMessage, e.toString())
    }

    @Test
    fun `Google Authenticator export lists every account, seeds only for burnable ones`() {
        fun account(secret: ByteArray, name: String, issuer: String, type: Int): ByteArray {
            val p = ByteArrayOutputStream()
            p.write(0x0A); p.write(secret.size); p.write(secret)
            val n = name.toByteArray(); p.write(0x12); p.write(n.size); p.write(n)
            val i = issuer.toByteArray(); p.write(0x1A); p.write(i.size); p.write(i)
            p.write(byteArrayOf(0x20, 1, 0x28, 1, 0x30, type.toByte()))
            val body = p.toByteArray()
            return byteArrayOf(0x0A, body.size.toByte()) + body
        }
        val payload = account("12345678901234567890".toByteArray(), "alice", "ACME", 2) +
            account("0123456789".toByteArray(), "bob", "Bank", 1) +
            byteArrayOf(0x10, 1, 0x18, 1, 0x20, 0, 0x28, 42)
        val data = URLEncoder.encode(Base64.getEncoder().encodeToString(payload), "UTF-8")
        val input = parseSeedInput("otpauth-migration://offline?data=$data") as SeedInput.Migration
        assertEquals(2, input.accounts.size)
        val (acme, bank) = input.accounts
        assertEquals("totp", acme.kind)
        assertEquals("ACME", acme.info.issuer)
        assertTrue(acme.info.burnable)
        assertNotNull(acme.seed)
        val seed = acme.seed!!
        assertEquals("287082", seed.expectedCodes(59L).current)
        assertEquals("hotp", bank.kind)
        assertNull(bank.seed)
        assertTrue(bank.info.problems.any { it.contains("HOTP") }, bank.info.problems.toString())
    }

    @Test
    fun `refused payloads explain themselves`() {
        val cases = mapOf(
            "otpauth://hotp/ACME:bob?secret=JBSWY3DPEHPK3PXP&counter=3" to "counter-based",
            "https://github.com/settings/security" to "web link",
            "phonefactor://activate_account?code=123456789" to "push",
            "123456" to "one-time code",
            "" to "Nothing was entered",
        )
        for ((text, words) in cases) {
            val r = parseSeedInput(text) as SeedInput.Refused
            assertTrue(r.reason.contains(words), "$text -> ${r.reason}")
            assertTrue(r.reason[0].isUpperCase() && r.reason.endsWith("."), r.reason)
        }
        // Look-alike characters are suggested, never applied.
        val typo = parseSeedInput("JBSWY3DPEHPK3PX0") as SeedInput.Refused
        assertTrue(typo.suggestions.isNotEmpty())
        assertTrue(typo.suggestions.any { it.contains("Base32") }, typo.suggestions.toString())
    }

    @Test
    fun `text valid as Hex and Base32 is ambiguous until the user chooses`() {
        val a = parseSeedInput("ABCDEF234567ABCDEF234567ABCDEF23") as SeedInput.Ambiguous
        assertEquals(128u, a.hexBits)
        assertEquals(160u, a.base32Bits)
        val hex = a.choice.resolve(true)
        val b32 = a.choice.resolve(false)
        assertEquals(128u, hex.info().secretBits)
        assertEquals(160u, b32.info().secretBits)
        assertNotEquals(hex.info().fingerprint, b32.info().fingerprint)
        assertEquals(a.choice.info(true), hex.info())
        assertNotEquals(hex.expectedCodes(1_700_000_000L).current, b32.expectedCodes(1_700_000_000L).current)
    }
}
