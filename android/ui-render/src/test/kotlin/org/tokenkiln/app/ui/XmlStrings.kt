package org.tokenkiln.app.ui

import java.io.File
import java.util.Locale
import javax.xml.parsers.DocumentBuilderFactory

/**
 * [Strings] backed by the app's res/values/strings.xml, as Android would resolve them
 * (Android's backslash escapes undone, `%1$s` formats applied with String.format).
 */
class XmlStrings(file: File) : Strings {
    val entries: Map<String, String>

    init {
        val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
        val nodes = doc.getElementsByTagName("string")
        entries = (0 until nodes.length).associate { i ->
            val e = nodes.item(i)
            e.attributes.getNamedItem("name").nodeValue to unescape(e.textContent)
        }
    }

    override fun text(key: S, vararg args: Any): String {
        val raw = entries[key.name] ?: error("strings.xml has no <string name=\"${key.name}\">")
        return if (args.isEmpty()) raw else String.format(Locale.ROOT, raw, *args)
    }

    private fun unescape(s: String): String {
        val out = StringBuilder()
        var i = 0
        while (i < s.length) {
            val c = s[i]
            if (c == '\\' && i + 1 < s.length) {
                when (val n = s[i + 1]) {
                    'n' -> out.append('\n')
                    't' -> out.append('\t')
                    else -> out.append(n) // \' \" \\ \@ \?
                }
                i += 2
            } else {
                out.append(c)
                i++
            }
        }
        return out.toString()
    }

    companion object {
        fun load(): XmlStrings = XmlStrings(File(System.getProperty("kiln.strings.xml", "../app/src/main/res/values/strings.xml")))
    }
}
