package org.tokenkiln.jvmtests

import com.google.zxing.BarcodeFormat
import com.google.zxing.qrcode.QRCodeWriter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.tokenkiln.core.FrameScan
import org.tokenkiln.core.KilnException
import org.tokenkiln.core.QrScanner
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.decodeLuma
import java.awt.image.BufferedImage
import java.io.File
import javax.imageio.ImageIO

/**
 * QR decoding of camera-like luminance planes: rows `rowStride` bytes apart, wider than
 * the image, with junk in the padding (as Android's YUV_420_888 Y plane may have). The app's
 * path is `QrScanner.scanFrame` (the payload is parsed in Rust); `decodeLuma` (raw payloads)
 * is a test-only export of the `testing` feature.
 */
class QrTest {
    /** The seed input a fresh scanner finds in one frame (null: none). */
    private fun scan(plane: ByteArray, width: Int, height: Int, stride: Int): SeedInput? =
        QrScanner().use { scanner ->
            (scanner.scanFrame(plane, width.toUInt(), height.toUInt(), stride.toUInt(), 0uL) as? FrameScan.Found)?.input
        }

    /** 8-bit luma (BT.601) of [img], rows [stride] bytes apart, padding filled with junk. */
    private fun lumaPlane(img: BufferedImage, stride: Int): ByteArray {
        require(stride >= img.width)
        val out = ByteArray(stride * img.height) { (it * 37 % 251).toByte() }
        for (y in 0 until img.height) {
            for (x in 0 until img.width) {
                val rgb = img.getRGB(x, y)
                val r = (rgb shr 16) and 0xFF
                val g = (rgb shr 8) and 0xFF
                val b = rgb and 0xFF
                out[y * stride + x] = ((299 * r + 587 * g + 114 * b) / 1000).toByte()
            }
        }
        return out
    }

    private fun corpus(): File {
        val dir = System.getenv("KILN_QR_CORPUS")?.let(::File)
            ?: File(System.getProperty("kiln.repo.root") ?: ".", "../shared/qr-corpus")
        check(dir.isDirectory) {
            "QR corpus not found at ${dir.absolutePath}: set KILN_QR_CORPUS to the qr-corpus directory"
        }
        return dir
    }

    @Test
    fun `decodeLuma reads a corpus photo from a strided luminance plane`() {
        val file = File(corpus(), "qrcode-2/14.png")
        check(file.isFile) { "corpus image missing: ${file.absolutePath}" }
        val expected = File(corpus(), "qrcode-2/14.txt").readText()
        val img = ImageIO.read(file) ?: error("javax.imageio cannot read ${file.name}")
        val stride = img.width + 61
        val plane = lumaPlane(img, stride)
        val payloads = decodeLuma(plane, img.width.toUInt(), img.height.toUInt(), stride.toUInt())
        assertEquals(listOf(expected), payloads)

        // Through the seed parser: a web link, explained.
        val scanned = scan(plane, img.width, img.height, stride)
        val refused = scanned as SeedInput.Refused
        assertTrue(refused.reason.contains("web link"), refused.reason)
    }

    @Test
    fun `the scanner turns an otpauth QR code into a seed`() {
        val uri = "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME"
        val matrix = QRCodeWriter().encode(uri, BarcodeFormat.QR_CODE, 300, 300)
        val img = BufferedImage(matrix.width, matrix.height, BufferedImage.TYPE_INT_RGB)
        for (y in 0 until matrix.height) for (x in 0 until matrix.width) {
            img.setRGB(x, y, if (matrix[x, y]) 0x202020 else 0xF0F0F0)
        }
        val stride = img.width + 64
        val input = scan(lumaPlane(img, stride), img.width, img.height, stride)
        val seed = (input as SeedInput.Totp).seed
        assertEquals("ACME", seed.info().issuer)
        assertEquals("287082", seed.expectedCodes(59L).current)
    }

    @Test
    fun `frames without a QR code and impossible frames`() {
        val blank = ByteArray(200 * 200) { 0x80.toByte() }
        assertTrue(decodeLuma(blank, 200u, 200u, 200u).isEmpty())
        assertNull(scan(blank, 200, 200, 200))
        val e = assertThrows<KilnException.BadInput> { decodeLuma(blank, 200u, 200u, 100u) }
        assertTrue(e.userMessage.contains("stride"), e.userMessage)
        assertNull(scan(blank, 200, 200, 100))
    }
}
