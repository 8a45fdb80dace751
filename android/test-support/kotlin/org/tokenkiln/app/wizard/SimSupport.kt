package org.tokenkiln.app.wizard

import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink
import java.util.Collections

/** Serials of the simulated family (model from the prefix, as on real tokens). */
object Serials {
    const val P1 = "86596120000001" // Token2 OTPC-P1-i: clock can be set without erasing the seed
    const val RESTRICTED = "86596220000001" // Token2 OTPC-P2-i: a clock write erases the seed
    const val OTHER_RESTRICTED = "86596220000999"
    const val UNKNOWN = "12345678901234" // prefix in no table
    const val OTHER_KEY = "00112233445566778899AABBCCDDEEFF"
}

/** Kotlin plays the NFC link: every command goes to the simulated card. Counts commands. */
class SimLink(private val sim: SimToken) : TokenLink {
    @Volatile var commands = 0
        private set

    override fun transceive(apdu: ByteArray): ByteArray {
        commands++
        return sim.transceive(apdu)
    }
}

val networkTime = ClockSource { ReferenceClock(offsetMs = 0L, trusted = true, source = "network time") }
val phoneClock = ClockSource { ReferenceClock(offsetMs = 0L, trusted = false, source = "phone clock (not verified)") }

/** A wizard over the real core, recording every state it publishes. */
class Harness(clock: ClockSource = networkTime, sessions: TokenSessions = CoreSessions) {
    val wizard = Wizard(sessions, clock)
    val seen: MutableList<WizardState> = Collections.synchronizedList(mutableListOf())

    init {
        wizard.addListener { seen += it }
    }

    val state: WizardState get() = wizard.state

    fun send(vararg events: WizardEvent): WizardState {
        events.forEach { wizard.dispatch(it) }
        return wizard.state
    }

    inline fun <reified T : WizardState> expect(): T {
        val s = wizard.state
        return s as? T ?: throw AssertionError("expected ${T::class.simpleName}, wizard is in $s")
    }
}

fun nowSecs(): Long = System.currentTimeMillis() / 1000

const val GITHUB_LINK =
    "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"
const val MICROSOFT_PUSH =
    "phonefactor://activate_account?code=123456789&url=https%3A%2F%2Fmobileappcommunicator.auth.microsoft.com%2Factivate%2F123456789%2FWEU"
/** 32 characters that are valid Hex (128 bits) and valid Base32 (160 bits). */
const val AMBIGUOUS = "ABCDEF2345672345ABCDEF2345672345"

/** Builds a Google Authenticator export link (`otpauth-migration://`), protobuf by hand. */
object MigrationLink {
    class Account(val secret: ByteArray, val name: String, val issuer: String, val algorithm: Int = 1, val type: Int = 2)

    private fun varint(out: java.io.ByteArrayOutputStream, value: Long) {
        var v = value
        while (v >= 0x80) {
            out.write(((v and 0x7F) or 0x80).toInt())
            v = v ushr 7
        }
        out.write(v.toInt())
    }

    private fun bytesField(out: java.io.ByteArrayOutputStream, tag: Int, bytes: ByteArray) {
        varint(out, ((tag shl 3) or 2).toLong())
        varint(out, bytes.size.toLong())
        out.write(bytes)
    }

    private fun intField(out: java.io.ByteArrayOutputStream, tag: Int, value: Long) {
        varint(out, (tag shl 3).toLong())
        varint(out, value)
    }

    fun of(vararg accounts: Account): String {
        val payload = java.io.ByteArrayOutputStream()
        for (a in accounts) {
            val p = java.io.ByteArrayOutputStream()
            bytesField(p, 1, a.secret)
            bytesField(p, 2, a.name.toByteArray())
            bytesField(p, 3, a.issuer.toByteArray())
            intField(p, 4, a.algorithm.toLong()) // 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
            intField(p, 5, 1) // six digits
            intField(p, 6, a.type.toLong()) // 1 HOTP, 2 TOTP
            bytesField(payload, 1, p.toByteArray())
        }
        intField(payload, 2, 1) // version
        intField(payload, 3, 1) // batch size
        intField(payload, 4, 0) // batch index
        intField(payload, 5, 42) // batch id
        val data = java.util.Base64.getEncoder().encodeToString(payload.toByteArray())
        return "otpauth-migration://offline?data=" + java.net.URLEncoder.encode(data, "UTF-8")
    }

    /** GitHub (TOTP, burnable), a bank's HOTP counter, and an MD5 account (both refused). */
    val sample: String = of(
        Account(ByteArray(20) { (it * 7 + 1).toByte() }, "alice@example.com", "GitHub"),
        Account(ByteArray(20) { (it * 5 + 3).toByte() }, "alice", "Bank", type = 1),
        Account(ByteArray(20) { (it * 3 + 2).toByte() }, "ops", "Legacy VPN", algorithm = 4),
    )
}
