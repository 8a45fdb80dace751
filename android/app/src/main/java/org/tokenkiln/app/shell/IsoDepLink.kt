package org.tokenkiln.app.shell

import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import org.tokenkiln.app.link.linkExceptionFor
import org.tokenkiln.app.wizard.useThenWipe
import org.tokenkiln.core.TokenLink
import java.io.IOException

/**
 * The token link over Android's ISO-DEP (ISO 14443-4) channel. Called on the reader-mode
 * callback thread, which may block; the Rust session drives every exchange.
 *
 * Android's I/O failures become the typed `LinkException`s the core expects through
 * [linkExceptionFor] (no Android types, so the JVM tests check the app's own mapping):
 * [TagLostException] → TagLost, a timeout → Timeout, any other [IOException] or an
 * IllegalStateException (the tag was closed) → Io, a SecurityException (stale Tag) → TagLost.
 *
 * Every command array is zeroed once it is sent (or the send failed): the binding hands each
 * call a fresh array that only this call uses, and WRITE SEED's is the seed encrypted under
 * the family's published key. A retry is a new command from the core, never this array.
 */
class IsoDepLink(private val isoDep: IsoDep) : TokenLink {
    override fun transceive(apdu: ByteArray): ByteArray = try {
        apdu.useThenWipe { isoDep.transceive(it) }
    } catch (e: Exception) {
        throw linkExceptionFor(e, tagLost = e is TagLostException) ?: e
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
