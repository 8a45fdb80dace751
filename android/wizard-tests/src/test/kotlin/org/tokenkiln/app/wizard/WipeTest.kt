package org.tokenkiln.app.wizard

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** `useThenWipe`, as IsoDepLink (commands), CameraFrames and QrFrames (luma copies) use it. */
class WipeTest {
    @Test
    fun `the array is used as it was, then zeroed`() {
        val command = byteArrayOf(0x80.toByte(), 0x2C, 0x00, 0x00, 0x10, 0x5A, 0x3C, 0x7E)
        val seen = command.useThenWipe { it.copyOf() }
        assertArrayEquals(byteArrayOf(0x80.toByte(), 0x2C, 0x00, 0x00, 0x10, 0x5A, 0x3C, 0x7E), seen)
        assertTrue(command.all { it == 0.toByte() })
    }

    @Test
    fun `the array is zeroed when the send fails`() {
        val command = ByteArray(32) { (it + 1).toByte() }
        assertThrows<IllegalStateException> { command.useThenWipe { throw IllegalStateException("tag lost") } }
        assertTrue(command.all { it == 0.toByte() })
    }

    @Test
    fun `the result is returned and the answer is not touched`() {
        val command = ByteArray(8) { 7 }
        val answer = byteArrayOf(0x90.toByte(), 0x00)
        val r = command.useThenWipe { answer }
        assertEquals(answer, r)
        assertArrayEquals(byteArrayOf(0x90.toByte(), 0x00), r)
    }
}
