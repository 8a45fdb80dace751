package org.tokenkiln.app.wizard

import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.qrcode.QRCodeWriter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.core.scanLuma

/**
 * The camera path without a camera: a QR code drawn into a Y plane whose rows are padded
 * (row stride > width, as camera2 delivers them), through the real decoder (`scanLuma`) into
 * the wizard, exactly as MainActivity forwards frames.
 */
class ScanTest {
    private class Frame(val data: ByteArray, val width: Int, val height: Int, val rowStride: Int)

    /** [text] as a QR code, 4 px per module, dark on light grey, centred in a 640×480 frame. */
    private fun frameOf(text: String?): Frame {
        val width = 640
        val height = 480
        val stride = 704 // padded rows
        val data = ByteArray(stride * height) { 0xC8.toByte() }
        // Padding bytes hold garbage on real cameras: make sure they are not read as pixels.
        for (y in 0 until height) for (x in width until stride) data[y * stride + x] = (x * 31 + y).toByte()
        if (text != null) {
            val matrix = QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, mapOf(EncodeHintType.MARGIN to 4))
            val scale = 4
            val left = (width - matrix.width * scale) / 2
            val top = (height - matrix.height * scale) / 2
            for (my in 0 until matrix.height) for (mx in 0 until matrix.width) {
                val v = if (matrix.get(mx, my)) 0x18.toByte() else 0xE0.toByte()
                for (dy in 0 until scale) for (dx in 0 until scale) {
                    data[(top + my * scale + dy) * stride + left + mx * scale + dx] = v
                }
            }
        }
        return Frame(data, width, height, stride)
    }

    private fun scan(h: Harness, f: Frame) {
        val input = scanLuma(f.data, f.width.toUInt(), f.height.toUInt(), f.rowStride.toUInt())
        if (input != null) h.send(WizardEvent.Scanned(input))
    }

    @Test
    fun `a frame without a QR code changes nothing`() {
        val f = frameOf(null)
        assertNull(scanLuma(f.data, f.width.toUInt(), f.height.toUInt(), f.rowStride.toUInt()))
        val h = Harness(networkTime)
        scan(h, f)
        assertEquals(WizardState.GetSeed(), h.state)
    }

    @Test
    fun `a scanned otpauth QR code goes to the confirm screen`() {
        val h = Harness(networkTime)
        scan(h, frameOf(GITHUB_LINK))
        val c = h.expect<WizardState.Confirm>()
        assertEquals("GitHub", c.info.issuer)
        assertEquals(SeedSource.Scan, c.source)
        // Frames still in flight after the scan are ignored.
        scan(h, frameOf(MICROSOFT_PUSH))
        h.expect<WizardState.Confirm>()
    }

    @Test
    fun `a scanned Microsoft push QR code is named as the wrong QR code`() {
        val h = Harness(networkTime)
        scan(h, frameOf(MICROSOFT_PUSH))
        val p = h.expect<WizardState.GetSeed>().problem!!
        assertTrue(p.wrongQr)
        assertTrue(p.reason.contains("Microsoft"), p.reason)
    }

    @Test
    fun `a scanned Google Authenticator export opens the account picker`() {
        val h = Harness(networkTime)
        scan(h, frameOf(MigrationLink.sample))
        assertEquals(3, h.expect<WizardState.PickAccount>().rows.size)
    }
}
