package org.tokenkiln.app.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.tokenkiln.app.wizard.BatchEvent
import org.tokenkiln.app.wizard.BatchState
import org.tokenkiln.app.wizard.BatchStore
import org.tokenkiln.app.wizard.BatchWizard
import org.tokenkiln.app.wizard.JournalSecrets
import org.tokenkiln.app.wizard.Serials
import org.tokenkiln.app.wizard.networkTime
import org.tokenkiln.core.LinkException
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.TokenLink
import org.tokenkiln.core.ageKeyPairForTests
import org.tokenkiln.core.setScryptWorkFactorForTests
import java.io.ByteArrayOutputStream
import java.io.File
import java.nio.file.Files

/**
 * Every batch-wizard state ("Enrol many tokens"), reached by driving the real batch wizard over
 * the real core and simulated tokens (Opening and Stopped are built directly: one lasts a
 * second, the other needs a failing disk), rendered to PNG and checked like [ScreensTest].
 */
class BatchScreensTest {
    private val strings = XmlStrings.load()
    private fun t(key: S, vararg args: Any) = strings.text(key, *args)

    class Shot(val name: String, val state: BatchState, val shell: BatchShellUi, val texts: List<String>, val heightDp: Int = 1000)

    private val device = JournalSecrets { "render test device secret".toByteArray() }

    /** A link whose token leaves the field right after WRITE SEED (INS C5). */
    private class LosingLink(private val sim: SimToken) : TokenLink {
        override fun transceive(apdu: ByteArray): ByteArray {
            val answer = sim.transceive(apdu)
            if ((apdu[1].toInt() and 0xFF) == 0xC5) throw LinkException.TagLost("render test")
            return answer
        }
    }

    private class Link(private val sim: SimToken) : TokenLink {
        override fun transceive(apdu: ByteArray): ByteArray = sim.transceive(apdu)
    }

    /** The states, driven once per test class run (each burn waits for the token's clock). */
    private fun shots(): List<Shot> = cached ?: drive().also { cached = it }

    private companion object {
        var cached: List<Shot>? = null
    }

    private fun drive(): List<Shot> {
        setScryptWorkFactorForTests(4u)
        val out = mutableListOf<Shot>()
        val shell = BatchShellUi(onPickSeedFile = {}, onScanRecipient = {}, onPaste = { null }, onPickUpnMap = {}, onSaveExport = {})
        val root = Files.createTempDirectory("kiln-batch-render").toFile()
        val (_, publicKey) = ageKeyPairForTests()

        val w = BatchWizard(BatchStore(File(root, "a")), device, networkTime)
        w.dispatch(BatchEvent.SetRecipient(publicKey))
        out += Shot(
            "20-batch-settings", w.state, BatchShellUi(onPickSeedFile = {}, onScanRecipient = {}, onPaste = { null }, initialRecipient = publicKey),
            listOf(t(S.batch_settings_title), t(S.batch_seeds_fresh), t(S.batch_export_to_label), t(S.batch_recipient_scan), t(S.batch_recipient_ok), t(S.batch_start)),
            heightDp = 1400,
        )
        val camera = BatchShellUi(onScanRecipient = {}, recipientPreview = { m -> Box(m.background(Color(0xFF000000))) })
        val scanning = BatchWizard(BatchStore(File(root, "scan")), device, networkTime)
        out += Shot("20-batch-settings-scan-key", scanning.state, camera, listOf(t(S.batch_recipient_scan_hint), t(S.batch_recipient_label)), heightDp = 1600)
        w.dispatch(BatchEvent.Start)
        out += Shot("22-batch-tap", w.state, shell, listOf(t(S.batch_tap_title), t(S.batch_tap_body), t(S.batch_counter, 0, 0, 0, 0), t(S.batch_finish)))
        w.dispatch(BatchEvent.TokenTapped(Link(SimToken(Serials.P1, 1_200L, null))))
        w.dispatch(BatchEvent.TokenTapped(Link(SimToken(Serials.UNKNOWN, 0L, null))))
        w.dispatch(BatchEvent.TokenTapped(Link(SimToken(Serials.P1, 0L, null))))
        val lost = SimToken(Serials.RESTRICTED, -800L, null)
        w.dispatch(BatchEvent.TokenTapped(LosingLink(lost)))
        out += Shot(
            "23-batch-tap-again", w.state, shell,
            listOf(t(S.batch_waiting, Serials.RESTRICTED), t(S.batch_result_link_lost), t(S.batch_result_unknown), t(S.batch_result_repeat), t(S.batch_result_burned)),
            heightDp = 1400,
        )
        w.dispatch(BatchEvent.TokenTapped(Link(lost)))
        w.dispatch(BatchEvent.Finish)
        out += Shot("24-batch-export", w.state, shell, listOf(t(S.batch_export_title), "entra-csv", t(S.batch_upn_map), t(S.batch_save)))
        w.dispatch(BatchEvent.UpnMapPicked("upns.csv", "${Serials.P1},alice@example.com\n"))
        w.dispatch(BatchEvent.SaveExport(ByteArrayOutputStream()))
        out += Shot("25-batch-export-saved", w.state, shell, listOf(t(S.batch_saved, 2, "entra-csv"), t(S.batch_upn_map_name, "upns.csv"), t(S.batch_new)))

        val p = BatchWizard(BatchStore(File(root, "b")), device, networkTime)
        val pw = "correct horse battery staple".toCharArray()
        p.dispatch(BatchEvent.SetPassphrase(CharArray(0), CharArray(0)))
        p.dispatch(BatchEvent.SetPassphrase(pw, pw))
        out += Shot(
            "21-batch-settings-passphrase", p.state, shell,
            listOf(t(S.batch_passphrase_label), t(S.batch_passphrase_again), t(S.batch_passphrase_note)),
            heightDp = 1400,
        )
        p.dispatch(BatchEvent.Start)
        p.dispatch(BatchEvent.TokenTapped(Link(SimToken(Serials.P1, 0L, null))))
        p.dispatch(BatchEvent.TokenTapped(LosingLink(SimToken(Serials.RESTRICTED, 0L, null))))
        // The app is killed: a new wizard over the same storage offers to continue or export.
        val resumed = BatchWizard(BatchStore(File(root, "b")), device, networkTime)
        out += Shot("26-batch-resume", resumed.state, shell, listOf(t(S.batch_resume_title), t(S.batch_resume_body), t(S.batch_resume_passphrase), t(S.batch_continue), t(S.batch_export_now)))
        out += Shot("27-batch-opening", BatchState.Opening(resuming = true), shell, listOf(t(S.batch_opening)), heightDp = 800)
        out += Shot(
            "28-batch-stopped",
            BatchState.Stopped("Could not write to the journal (No space left on device).", (resumed.state as? BatchState.Tapping)?.tally),
            shell, listOf(t(S.batch_stopped_title), t(S.batch_stopped_body)), heightDp = 800,
        )
        return out.sortedBy { it.name }
    }

    @OptIn(ExperimentalTestApi::class)
    private fun render(shot: Shot) = runSkikoComposeUiTest(size = Size(720f, shot.heightDp * 2f), density = Density(2f)) {
        setContent { BatchScreen(shot.state, strings, shot.shell) {} }
        waitForIdle()
        checkAndSaveShot(shot.name, shot.texts, shot.heightDp)
    }

    @TestFactory
    fun `every batch screen renders with its text`(): List<DynamicTest> =
        shots().map { shot -> DynamicTest.dynamicTest(shot.name) { render(shot) } }

    @Test
    fun `the shots cover every batch state, and only the passphrase screens are secure`() {
        val all = BatchState::class.java.declaredClasses.filter { BatchState::class.java.isAssignableFrom(it) }.map { it.simpleName }.toSet()
        val shots = shots()
        assertEquals(all, shots.map { it.state.javaClass.simpleName }.toSet())
        val secure = shots.filter { it.state.secure }.map { it.name }.toSet()
        assertEquals(setOf("21-batch-settings-passphrase", "26-batch-resume"), secure)
    }
}
