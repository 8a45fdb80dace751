package org.tokenkiln.app.shell

import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import org.tokenkiln.app.wizard.useThenWipe
import org.tokenkiln.core.LinkException
import org.tokenkiln.core.TokenLink
import java.io.IOException

/**
 * The token link over Android's ISO-DEP (ISO 14443-4) channel. Called on the reader-mode
 * callback thread, which may block; the Rust session drives every exchange.
 *
 * Android's checked I/O failures become the typed [LinkException]s the core expects:
 * [TagLostException] → TagLost, a timeout → Timeout, any other [IOException] → Io. Anything
 * else (e.g. IllegalStateException when the tag was closed) is reported as Io too.
 *
 * Every command array is zeroed once it is sent (or the send failed): the binding hands each
 * call a fresh array that only this call uses, and WRITE SEED's is the seed encrypted under
 * the family's published key. A retry is a new command from the core, never this array.
 */
class IsoDepLink(private val isoDep: IsoDep) : TokenLink {
    override fun transceive(apdu: ByteArray): ByteArray = try {
        apdu.useThenWipe { isoDep.transceive(it) }
    } catch (e: TagLostException) {
        throw LinkException.TagLost(e.message ?: "Tag was lost.")
    } catch (e: IOException) {
        val text = e.message.orEmpty()
        if (e is java.net.SocketTimeoutException || text.contains("timeout", ignoreCase = true) || text.contains("timed out", ignoreCase = true)) {
            throw LinkException.Timeout(text.ifEmpty { "The token did not answer in time." })
        }
        throw LinkException.Io(text.ifEmpty { e.javaClass.simpleName })
    } catch (e: IllegalStateException) {
        throw LinkException.Io(e.message ?: "IsoDep not connected")
    } catch (e: SecurityException) {
        // Thrown by IsoDep when the Tag object is out of date (a new tag was discovered).
        throw LinkException.TagLost(e.message ?: "Tag is out of date")
    }

    fun close() {
        try {
            isoDep.close()
        } catch (_: IOException) {
        }
    }

    companion object {
        /** Milliseconds IsoDep waits for one answer; a token computes for well under a second. */
        const val TIMEOUT_MS = 3000

        /** Connects to [tag] (null: not an ISO-DEP tag, or it left before connect). */
        fun open(tag: Tag): IsoDepLink? {
            val isoDep = IsoDep.get(tag) ?: return null
            return try {
                isoDep.connect()
                isoDep.timeout = TIMEOUT_MS
                IsoDepLink(isoDep)
            } catch (_: IOException) {
                null
            }
        }
    }
}
