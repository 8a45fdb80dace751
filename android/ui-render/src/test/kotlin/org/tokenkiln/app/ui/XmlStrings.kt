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

    /**
     * Android's string resource rules: `\'`-style escapes; unescaped double quotes are
     * dropped and keep the whitespace between them; elsewhere runs of whitespace collapse
     * to one space and the ends are trimmed.
     */
    private fun unescape(s: String): String {
        val chars = mutableListOf<Pair<Char, Boolean>>() // (char, literal: escaped or quoted)
        var quoted = false
        var i = 0
        while (i < s.length) {
            val c = s[i]
            when {
                c == '\\' && i + 1 < s.length -> {
                    val n = s[i + 1]
                    chars += when (n) {
                        'n' -> '\n'
                        't' -> '\t'
                        else -> n // \' \" \\ \@ \?
                    } to true
                    i += 2
                    continue
                }
                c == '"' -> quoted = !quoted
                quoted -> chars += c to true
                c.isWhitespace() -> if (chars.lastOrNull()?.let { !it.second && it.first == ' ' } != true) chars += ' ' to false
                else -> chars += c to false
            }
            i++
        }
        while (chars.firstOrNull()?.let { !it.second && it.first == ' ' } == true) chars.removeAt(0)
        while (chars.lastOrNull()?.let { !it.second && it.first == ' ' } == true) chars.removeAt(chars.size - 1)
        return chars.joinToString("") { it.first.toString() }
    }

    companion object {
        fun load(): XmlStrings = XmlStrings(File(System.getProperty("kiln.strings.xml", "../app/src/main/res/values/strings.xml")))
    }
}
