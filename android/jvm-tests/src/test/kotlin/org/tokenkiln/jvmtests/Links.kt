package org.tokenkiln.jvmtests

import org.tokenkiln.app.link.linkExceptionFor
import org.tokenkiln.core.LinkException
import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.SessionEvent
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink
import java.io.IOException
import java.util.Collections

/** Stand-in for `android.nfc.TagLostException` (an `IOException` on Android too). */
class TagLostException(message: String) : IOException(message)

/**
 * The Android app's `IsoDepLink` over a plain function instead of `IsoDep`: the platform's
 * exceptions are mapped by the app's own [linkExceptionFor] (compiled from
 * android/app/src/main/java/org/tokenkiln/app/link); anything else propagates and reaches
 * Rust as an unexpected callback error (a link loss).
 */
class IsoDepLink(private val transceiver: (ByteArray) -> ByteArray) : TokenLink {
    /** INS byte of every command sent, in order. */
    val sent: MutableList<Int> = mutableListOf()
    val commands: Int get() = sent.size

    override fun transceive(apdu: ByteArray): ByteArray {
        sent.add(apdu[1].toInt() and 0xFF)
        try {
            return transceiver(apdu)
        } catch (e: Exception) {
            throw linkExceptionFor(e, tagLost = e is TagLostException) ?: e
        }
    }
}

/** INS bytes of the five commands of the protocol. */
const val GET_INFO = 0x41
const val GET_CHALLENGE = 0x4B
const val EXTERNAL_AUTHENTICATE = 0xCE
const val WRITE_CONFIG = 0xD4
const val WRITE_SEED = 0xC5

/** Kotlin plays the link: each command goes to the simulated card. */
fun simLink(sim: SimToken): IsoDepLink = IsoDepLink { apdu -> sim.transceive(apdu) }

/**
 * Like an Android IsoDep would behave over the simulated card: a dropped link surfaces as
 * a platform `TagLostException` (an IOException), which the adapter has to translate.
 */
fun isoDepOverSim(sim: SimToken): IsoDepLink = IsoDepLink { apdu ->
    try {
        sim.transceive(apdu)
    } catch (e: LinkException.TagLost) {
        throw TagLostException("Tag was lost.")
    }
}

class RecordingObserver : SessionObserver {
    val events: MutableList<SessionEvent> = Collections.synchronizedList(mutableListOf())

    override fun onEvent(event: SessionEvent) {
        events.add(event)
    }

    /** Every event but the spoken steps, as short names. */
    fun names(): List<String> = events.mapNotNull {
        when (it) {
            is SessionEvent.TokenFound -> "found"
            is SessionEvent.DriftMeasured -> "drift"
            is SessionEvent.Authenticated -> "auth"
            is SessionEvent.ConfigWritten -> "config"
            is SessionEvent.SeedWritten -> "seed"
            is SessionEvent.Confirmed -> "confirmed"
            is SessionEvent.Step -> null
        }
    }
}

val phoneClock = ReferenceClock(offsetMs = 0L, trusted = false, source = "phone clock (not verified)")

fun nowSecs(): Long = System.currentTimeMillis() / 1000
