// PLACEHOLDER (issue 7 replaces this file with the real binding tests: QR payload parsing,
// a simulated-token burn driven from Kotlin, link loss mid-burn, refused auth, decode_luma).
// It proves the Maven pipeline: Kotlin test sources compile, Surefire runs JUnit 5 (Jupiter)
// tests written in Kotlin, and JNA calls into native code from a test.
package org.tokenkiln.jvmtests

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class PipelineCheckTest {
    private val libc = HostLibc.load()

    @Test
    fun `JNA reaches native code and agrees with the JVM about our pid`() {
        assertEquals(ProcessHandle.current().pid(), libc.getpid().toLong())
    }

    @Test
    fun `JNA marshals a Kotlin string to a C string`() {
        assertEquals(9L, libc.strlen("tokenkiln"))
        assertTrue(libc.strlen("") == 0L)
    }

    @Test
    fun `jna library path points at the cargo target dir`() {
        val path = System.getProperty("jna.library.path")
        assertTrue(path != null && path.endsWith("target/debug"), "jna.library.path=$path")
    }
}
