package org.tokenkiln.app.link

import org.tokenkiln.core.LinkException
import java.io.IOException
import java.net.SocketTimeoutException

/**
 * How a failed `IsoDep.transceive` reaches the core: the typed [LinkException] for [e], or
 * null when [e] is no link failure (it then propagates and reaches Rust as an unexpected
 * callback error, a link loss too).
 *
 * [tagLost]: [e] is Android's `TagLostException` (an [IOException]). The caller checks it, so
 * this file needs nothing from Android and the JVM tests compile it from the app's source.
 *
 * - tag lost → TagLost; a [LinkException] is passed on as it is;
 * - a timeout ([SocketTimeoutException], or an [IOException] whose text says "timeout" or
 *   "timed out") → Timeout; any other [IOException] → Io;
 * - [IllegalStateException] (IsoDep not connected, or closed) → Io;
 * - [SecurityException] (the Tag object is out of date: a new tag was discovered) → TagLost.
 */
fun linkExceptionFor(e: Exception, tagLost: Boolean = false): LinkException? = when {
    e is LinkException -> e
    tagLost -> LinkException.TagLost(e.message ?: "Tag was lost.")
    e is IOException -> {
        val text = e.message.orEmpty()
        if (e is SocketTimeoutException || text.contains("timeout", ignoreCase = true) ||
            text.contains("timed out", ignoreCase = true)
        ) {
            LinkException.Timeout(text.ifEmpty { "The token did not answer in time." })
        } else {
            LinkException.Io(text.ifEmpty { e.javaClass.simpleName })
        }
    }
    e is IllegalStateException -> LinkException.Io(e.message ?: "IsoDep not connected")
    e is SecurityException -> LinkException.TagLost(e.message ?: "Tag is out of date")
    else -> null
}
