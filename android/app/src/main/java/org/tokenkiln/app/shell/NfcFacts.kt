package org.tokenkiln.app.shell

import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.nfc.tech.NfcA
import org.tokenkiln.core.ReportFact

/**
 * What Android's NFC stack tells about a token, for the first-contact report of an unknown
 * model: ISO-DEP historical bytes / higher-layer response, NFC-A ATQA and SAK, and the tag's
 * technologies. The tag's UID is left out on purpose: it can identify a person's token.
 * Reads cached values only (no radio traffic).
 */
object NfcFacts {
    fun of(tag: Tag): List<ReportFact> {
        val facts = mutableListOf<ReportFact>()
        fun add(name: String, bytes: ByteArray?) {
            if (bytes != null && bytes.isNotEmpty()) facts += ReportFact(name, hex(bytes))
        }
        IsoDep.get(tag)?.let {
            add("Historical bytes", it.historicalBytes)
            add("Hi-layer response", it.hiLayerResponse)
        }
        NfcA.get(tag)?.let {
            add("ATQA", it.atqa)
            facts += ReportFact("SAK", String.format("%02X", it.sak.toInt() and 0xFF))
        }
        facts += ReportFact("Tag technologies", tag.techList.joinToString(", ") { it.substringAfterLast('.') })
        return facts
    }

    fun hex(bytes: ByteArray): String = bytes.joinToString(" ") { String.format("%02X", it.toInt() and 0xFF) }
}
