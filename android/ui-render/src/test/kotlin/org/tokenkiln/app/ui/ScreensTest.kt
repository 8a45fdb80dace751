package org.tokenkiln.app.ui

import androidx.compose.ui.geometry.Size
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onAllNodesWithContentDescription
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.tokenkiln.app.wizard.CoreSessions
import org.tokenkiln.app.wizard.InputMode
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.GITHUB_LINK
import org.tokenkiln.app.wizard.MICROSOFT_PUSH
import org.tokenkiln.app.wizard.AMBIGUOUS
import org.tokenkiln.app.wizard.Harness
import org.tokenkiln.app.wizard.Serials
import org.tokenkiln.app.wizard.SimLink
import org.tokenkiln.app.wizard.networkTime
import org.tokenkiln.app.wizard.phoneClock
import org.tokenkiln.app.wizard.nowSecs
import org.tokenkiln.app.wizard.MigrationLink
import org.tokenkiln.app.wizard.WizardState
import org.tokenkiln.core.SimToken
import org.tokenkiln.core.UnknownModelKey
import org.tokenkiln.core.UnreadableHint

/**
 * Every wizard state, reached by driving the real wizard against the real core and the
 * simulated token, rendered to PNG (360 × 800 dp at 2×) and checked: the expected text nodes
 * exist (through the Compose UI test API) and the image is a drawn dark screen.
 */
class ScreensTest {
    private val strings = XmlStrings.load()
    private fun t(key: S, vararg args: Any) = strings.text(key, *args)

    /** One screen to render: file name, state, shell, and what must be on it. */
    class Shot(
        val name: String,
        val state: WizardState,
        val shell: ShellUi,
        val texts: List<String>,
        val descriptions: List<String> = emptyList(),
        val heightDp: Int = 800,
    )

    private fun shell(now: Long = nowSecs(), typed: String = "", code: String = "") = ShellUi(
        nowSecs = now,
        onTorch = {},
        onZoom = {},
        onPaste = { null },
        antennaHint = "near the top of the back, next to the camera",
        antennaY = 0.22f,
        initialTyped = typed,
        initialCode = code,
    )

    private fun shots(): List<Shot> {
        val out = mutableListOf<Shot>()

        Harness().run {
            val entry = ShellUi(nowSecs = nowSecs(), onTorch = {}, onZoom = {}, onPaste = { null }, antennaHint = "near the top of the back, next to the camera", antennaY = 0.22f, onBatch = {})
            out += Shot("01-get-seed-scan", state, entry, listOf(t(S.get_seed_title), t(S.mode_scan), t(S.scan_hint), t(S.batch_entry)), listOf(t(S.camera_preview_description)), heightDp = 900)
            send(WizardEvent.QrUnreadable(UnreadableHint.MOVE_CLOSER))
            out += Shot("02-scan-unreadable-closer", state, shell(), listOf(t(S.scan_unreadable_closer)), heightDp = 900)
            send(WizardEvent.QrUnreadable(UnreadableHint.HOLD_STEADY))
            out += Shot("02-scan-unreadable", state, shell(), listOf(t(S.scan_unreadable)), heightDp = 900)
            send(WizardEvent.Scanned(CoreSessions.parse(MICROSOFT_PUSH)))
            val reason = (state as WizardState.GetSeed).problem!!.reason
            out += Shot("03-wrong-qr-microsoft", state, shell(), listOf(t(S.wrong_qr_title), reason), heightDp = 900)
        }
        Harness().run {
            val typed = "JBSW Y3DP EHPK 3PXP"
            send(WizardEvent.ChooseInputMode(InputMode.Type), WizardEvent.TypedChanged(typed))
            out += Shot("04-type-key", state, shell(typed = typed), listOf(t(S.typed_label), t(S.typed_valid, 80), t(S.continue_action)))
            val typo = "JBSWY3DPEHPK3PX1"
            send(WizardEvent.TypedChanged(typo))
            val invalid = (state as WizardState.GetSeed).typed as org.tokenkiln.app.wizard.TypedCheck.Invalid
            out += Shot("05-type-key-typo", state, shell(typed = typo), listOf(invalid.reason))
            send(WizardEvent.TypedSubmitted(AMBIGUOUS))
            val ask = state as WizardState.AskEncoding
            out += Shot("06-hex-or-base32", state, shell(), listOf(t(S.encoding_title), t(S.encoding_hex), t(S.encoding_base32), t(S.encoding_bits, 128, ask.asHex.fingerprint)))
            send(WizardEvent.ChooseEncoding(asHex = false))
            out += Shot("07-confirm-typed", state, shell(), listOf(t(S.confirm_title), t(S.typed_settings_hint), "SHA256"), heightDp = 1000)
        }
        Harness().run {
            send(WizardEvent.Scanned(CoreSessions.parse(MigrationLink.sample)))
            out += Shot("08-pick-account", state, shell(), listOf(t(S.pick_title), "GitHub · alice@example.com", t(S.pick_not_burnable)), heightDp = 1000)
        }
        Harness().run {
            send(WizardEvent.Shared("otpauth://totp/Example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example&digits=8"))
            val problem = (state as WizardState.Confirm).info.problems.first()
            out += Shot("09-confirm-cannot", state, shell(), listOf(t(S.problems_title), problem), heightDp = 1000)
        }
        Harness(networkTime).run {
            send(WizardEvent.Shared(GITHUB_LINK))
            val c = state as WizardState.Confirm
            out += Shot("10-confirm", state, shell(), listOf(t(S.confirm_title), "GitHub", "alice", c.info.fingerprint, t(S.sync_clock_label), t(S.confirm_continue)), heightDp = 1000)
            send(WizardEvent.ConfirmSeed)
            out += Shot("12-hold", state, shell(), listOf(t(S.hold_title), t(S.antenna_hint, "near the top of the back, next to the camera")), listOf(t(S.antenna_picture)))

            val sim = SimToken(Serials.RESTRICTED, -47_300L, null)
            send(WizardEvent.TokenTapped(SimLink(sim)))
            val contact = seen.filterIsInstance<WizardState.InContact>().last { it.progress.stage == org.tokenkiln.app.wizard.ContactStage.SeedWritten }
            out += Shot(
                "13-in-contact", contact, shell(),
                listOf(t(S.contact_title), t(S.token_serial_model, Serials.RESTRICTED, "Token2 OTPC-P2-i"), contact.progress.drift!!.text),
                listOf(t(S.stage_done_description, t(S.stage_seed)), t(S.stage_pending_description, t(S.stage_confirmed))),
            )
            sim.powerCycle()
            val now = nowSecs()
            val code = sim.codeAt(now)!!
            send(WizardEvent.CodeRead(code))
            val done = state as WizardState.Done
            val codes = done.job.seed.expectedCodes(now)
            out += Shot(
                "14-done-verify", state, shell(now, code = code),
                listOf(t(S.done_title), t(S.done_switch), t(S.done_drift_before, done.report.token.drift.text), t(S.codes_title), t(S.code_countdown, codes.secondsLeft.toInt()), done.check!!.diagnosis.sentence),
                listOf(t(S.code_description, t(S.code_current), codes.current.toList().joinToString(" "))),
                heightDp = 1200,
            )
        }
        Harness(phoneClock).run {
            send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
            out += Shot("11-clock-unverified", state, shell(), listOf(t(S.clock_title), t(S.clock_accept), t(S.clock_keep_token_time)))
        }
        Harness(networkTime).run {
            send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
            val sim = SimToken(Serials.RESTRICTED, 5_000L, null)
            sim.dropLinkAfter(4u, true)
            send(WizardEvent.TokenTapped(SimLink(sim)))
            val f = (state as WizardState.Failed).failure
            out += Shot("15-failed-tap-again", state, shell(), listOf(t(S.failed_blank_title), f.message, t(S.tap_again_same, Serials.RESTRICTED), t(S.abandon_ask)), heightDp = 1000)
            send(WizardEvent.AbandonToken)
            out += Shot("15-failed-give-up", state, shell(), listOf(t(S.abandon_warning), t(S.abandon_confirm), t(S.abandon_cancel)), heightDp = 1200)
        }
        Harness(networkTime).run {
            send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
            send(WizardEvent.TokenTapped(SimLink(SimToken.withKey(Serials.RESTRICTED, 0L, 3.toUByte(), Serials.OTHER_KEY))))
            out += Shot("16-failed-refused", state, shell(), listOf(t(S.failed_refused_title), "2 tries left", t(S.try_again)), heightDp = 900)
        }
        Harness(networkTime).run {
            send(WizardEvent.Shared(GITHUB_LINK), WizardEvent.ConfirmSeed)
            send(WizardEvent.TokenTapped(SimLink(SimToken(Serials.UNKNOWN, 0L, 3.toUByte()))))
            send(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.Custom("0011")))
            out += Shot("17-unknown-model", state, shell(), listOf(t(S.unknown_title), t(S.unknown_body, Serials.UNKNOWN), t(S.unknown_default_key), t(S.unknown_key_invalid), t(S.unknown_leave), t(S.report_show)), heightDp = 1400)
            send(WizardEvent.ShowReport)
            val share = ShellUi(nowSecs = nowSecs(), onShareText = {})
            out += Shot("18-unknown-model-report", state, share, listOf(t(S.report_intro), "tokenkiln first-contact report", "no key was tried", t(S.report_share)), heightDp = 2000)
        }
        return out.sortedBy { it.name }
    }

    @OptIn(ExperimentalTestApi::class)
    private fun render(shot: Shot) = runSkikoComposeUiTest(size = Size(720f, shot.heightDp * 2f), density = Density(2f)) {
        setContent { WizardScreen(shot.state, strings, shot.shell) {} }
        waitForIdle()
        for (d in shot.descriptions) {
            val found = onAllNodesWithContentDescription(d, useUnmergedTree = true).fetchSemanticsNodes()
            assertTrue(found.isNotEmpty(), "${shot.name}: no node is described as '$d'")
        }
        checkAndSaveShot(shot.name, shot.texts, shot.heightDp)
    }

    @TestFactory
    fun `every screen renders with its text`(): List<DynamicTest> =
        shots().map { shot -> DynamicTest.dynamicTest(shot.name) { render(shot) } }

    @Test
    fun `the shots cover every wizard state`() {
        val all = WizardState::class.java.declaredClasses.filter { WizardState::class.java.isAssignableFrom(it) }.map { it.simpleName }.toSet()
        val shown = shots().map { it.state.javaClass.simpleName }.toSet()
        assertEquals(10, all.size, all.toString())
        assertEquals(all, shown)
    }

    @Test
    fun `strings xml and the S keys agree both ways`() {
        assertEquals(strings.entries.keys, S.entries.map { it.name }.toSet())
        assertEquals("The phone's NFC antenna is X.", strings.text(S.antenna_hint, "X"))
    }
}
