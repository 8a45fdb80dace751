package org.tokenkiln.jvmtests

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.app.link.linkExceptionFor
import org.tokenkiln.core.LinkException
import java.io.IOException
import java.net.SocketTimeoutException

/** The app's own mapping of IsoDep's exceptions (android/app/.../link/LinkExceptions.kt). */
class LinkExceptionsTest {
    @Test
    fun `platform failures become typed link exceptions`() {
        val lost = linkExceptionFor(TagLostException("Tag was lost."), tagLost = true)
        assertEquals("Tag was lost.", (lost as LinkException.TagLost).detail)
        assertTrue(linkExceptionFor(SocketTimeoutException()) is LinkException.Timeout)
        assertTrue(linkExceptionFor(IOException("Transceive timed out")) is LinkException.Timeout)
        assertEquals("Transceive failed", (linkExceptionFor(IOException("Transceive failed")) as LinkException.Io).detail)
        assertEquals("IOException", (linkExceptionFor(IOException()) as LinkException.Io).detail)
        assertTrue(linkExceptionFor(IllegalStateException("Call connect() first!")) is LinkException.Io)
        assertTrue(linkExceptionFor(SecurityException("Tag is out of date")) is LinkException.TagLost)
    }

    @Test
    fun `link exceptions pass through and anything else propagates`() {
        val timeout = LinkException.Timeout("simulated")
        assertSame(timeout, linkExceptionFor(timeout))
        assertNull(linkExceptionFor(UnsupportedOperationException("bug")))
    }
}
