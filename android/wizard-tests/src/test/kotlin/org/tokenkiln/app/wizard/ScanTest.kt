package org.tokenkiln.app.wizard

import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.qrcode.QRCodeWriter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.tokenkiln.core.FrameScan
import org.tokenkiln.core.ImageScan
import org.tokenkiln.core.QrScanner
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.UnreadableHint
import org.tokenkiln.core.scanImage

/**
 * The camera path without a camera: a QR code drawn into a Y plane whose rows are padded
 * (row stride > width, as camera2 delivers them), through the real scanner
 * (`QrScanner.scanFrame`, as LiveScan calls it) into the wizard.
 */
class ScanTest {
    private class Frame(val data: ByteArray, val width: Int, val height: Int, val rowStride: Int)

    /**
     * [text] as a QR code, [scale] px per module, dark on light grey, centred in a
     * [width]×[height] frame. [damaged]: the inner part of the symbol (22–78 % of its side,
     * clear of the three finder patterns) is scrambled beyond what error correction repairs.
     */
    private fun frameOf(
        text: String?,
        scale: Int = 4,
        width: Int = 640,
        height: Int = 480,
        damaged: Boolean = false,
        version: Int? = null,
    ): Frame {
        val stride = width + 64 // padded rows
        val data = ByteArray(stride * height) { 0xC8.toByte() }
        // Padding bytes hold garbage on real cameras: make sure they are not read as pixels.
        for (y in 0 until height) for (x in width until stride) data[y * stride + x] = (x * 31 + y).toByte()
        if (text != null) {
            val hints = buildMap<EncodeHintType, Any> {
                put(EncodeHintType.MARGIN, 4)
                if (version != null) put(EncodeHintType.QR_VERSION, version)
            }
            val matrix = QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, hints)
            if (damaged) {
                val side = matrix.width - 8 // without the 4-module margins
                val rng = java.util.Random(7)
                for (y in side * 22 / 100 until side * 78 / 100) for (x in side * 22 / 100 until side * 78 / 100) {
                    if (rng.nextBoolean()) matrix.set(x + 4, y + 4) else matrix.unset(x + 4, y + 4)
                }
            }
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

    /** The seed input a fresh scanner finds in [f] (null: none). */
    private fun found(f: Frame): SeedInput? = QrScanner().use { scanner ->
        val r = scanner.scanFrame(f.data, f.width.toUInt(), f.height.toUInt(), f.rowStride.toUInt(), 0uL)
        (r as? FrameScan.Found)?.input
    }

    private fun scan(h: Harness, f: Frame) {
        val input = found(f)
        if (input != null) h.send(WizardEvent.Scanned(input))
    }

    @Test
    fun `a frame without a QR code changes nothing`() {
        val f = frameOf(null)
        assertNull(found(f))
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

    /** Feeds [frame] to [live] every 100 ms of the fake clock, [count] times. */
    private fun feed(live: LiveScan, clock: LongArray, frame: Frame, count: Int) = repeat(count) {
        live.onFrame(frame.data, frame.width, frame.height, frame.rowStride)
        clock[0] += 100
    }

    @Test
    fun `a code in view that cannot be read shows the hold-steady advice after a steady run, then the read code wins`() {
        val h = Harness(networkTime)
        val clock = longArrayOf(0)
        val live = LiveScan(h.wizard) { clock[0] }
        val bad = frameOf(GITHUB_LINK, scale = 6, damaged = true)
        assertNull(found(bad), "damage was repaired")
        feed(live, clock, bad, 7) // 0..600 ms: too early to say
        assertNull(h.expect<WizardState.GetSeed>().qrUnreadable)
        feed(live, clock, bad, 5) // 700 ms and on
        assertEquals(UnreadableHint.HOLD_STEADY, h.expect<WizardState.GetSeed>().qrUnreadable)
        // the wizard was told once, not on every frame
        assertEquals(1, h.seen.count { it is WizardState.GetSeed && it.qrUnreadable != null })
        feed(live, clock, frameOf(null), 3) // the code leaves the picture briefly: the message stays
        assertEquals(UnreadableHint.HOLD_STEADY, h.expect<WizardState.GetSeed>().qrUnreadable)
        feed(live, clock, frameOf(null), 12) // gone for over a second: the message goes
        assertNull(h.expect<WizardState.GetSeed>().qrUnreadable)
        feed(live, clock, frameOf(GITHUB_LINK), 1)
        assertEquals("GitHub", h.expect<WizardState.Confirm>().info.issuer)
    }

    @Test
    fun `a code with two-pixel modules that cannot be read asks to move closer`() {
        val h = Harness(networkTime)
        val clock = longArrayOf(0)
        val live = LiveScan(h.wizard) { clock[0] }
        val small = frameOf(GITHUB_LINK, scale = 2, width = 1280, height = 720, damaged = true, version = 10)
        feed(live, clock, small, 10)
        assertEquals(UnreadableHint.MOVE_CLOSER, h.expect<WizardState.GetSeed>().qrUnreadable)
    }

    @Test
    fun `frames without a code never show the message`() {
        val h = Harness(networkTime)
        val clock = longArrayOf(0)
        val live = LiveScan(h.wizard) { clock[0] }
        feed(live, clock, frameOf(null), 15)
        assertEquals(WizardState.GetSeed(), h.state)
    }

    @Test
    fun `a shared image is examined once - a code, a visible but unreadable code, or none`() {
        fun scan(f: Frame) = scanImage(f.data, f.width.toUInt(), f.height.toUInt(), f.rowStride.toUInt())
        val found = scan(frameOf(GITHUB_LINK))
        assertTrue(found is ImageScan.Found && found.input is SeedInput.Totp, found.toString())
        val damaged = scan(frameOf(GITHUB_LINK, scale = 6, damaged = true))
        assertEquals(UnreadableHint.HOLD_STEADY, (damaged as ImageScan.Unreadable).hint)
        val small = scan(frameOf(GITHUB_LINK, scale = 2, width = 1280, height = 720, damaged = true, version = 10))
        assertEquals(UnreadableHint.MOVE_CLOSER, (small as ImageScan.Unreadable).hint)
        assertTrue(scan(frameOf(null)) is ImageScan.NoCode)
    }

    @Test
    fun `the batch's recipient scan returns an age public key and never a seed`() {
        val (_, publicKey) = org.tokenkiln.core.ageKeyPairForTests()
        fun recipient(f: Frame): String? = QrScanner().use { it.scanRecipient(f.data, f.width.toUInt(), f.height.toUInt(), f.rowStride.toUInt()) }
        // Upper case fits the QR alphanumeric mode, as key QR codes are often drawn.
        assertEquals(publicKey, recipient(frameOf(publicKey.uppercase())))
        assertNull(recipient(frameOf(GITHUB_LINK)), "a seed's QR code is dropped unread")
        assertNull(recipient(frameOf("age1notakey")))
        assertNull(recipient(frameOf(null)))

        // Into the batch wizard, as the shell passes a scanned key on.
        val dir = java.nio.file.Files.createTempDirectory("kiln-recipient-scan").toFile()
        val w = BatchWizard(BatchStore(dir), { ByteArray(8) }, networkTime)
        val scan = RecipientScan(w)
        val seedFrame = frameOf(GITHUB_LINK)
        scan.onFrame(seedFrame.data, seedFrame.width, seedFrame.height, seedFrame.rowStride)
        assertTrue(!scan.found && (w.state as BatchState.Settings).protection == Protection.Recipient("", valid = false))
        assertTrue(seedFrame.data.all { it == 0.toByte() }, "the frame's luma copy is wiped")
        val keyFrame = frameOf(publicKey)
        scan.onFrame(keyFrame.data, keyFrame.width, keyFrame.height, keyFrame.rowStride)
        assertTrue(scan.found)
        val settings = w.state as BatchState.Settings
        assertEquals(Protection.Recipient(publicKey, valid = true), settings.protection)
        assertTrue(settings.canStart)
        dir.deleteRecursively()
    }
}
