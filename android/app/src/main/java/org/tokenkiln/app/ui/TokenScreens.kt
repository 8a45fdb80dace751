package org.tokenkiln.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.size
import androidx.compose.ui.geometry.CornerRadius
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import org.tokenkiln.app.wizard.ContactStage
import org.tokenkiln.app.wizard.Failure
import org.tokenkiln.app.wizard.Progress
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.WizardState
import org.tokenkiln.core.DriftView
import org.tokenkiln.core.UnknownModelKey
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

@Composable
fun HoldScreen(state: WizardState.Hold, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.hold_title), step = 3) {
        if (!shell.nfcPresent) {
            Notice(Tone.Error, null, str(S.nfc_missing), live = true)
        } else if (!shell.nfcEnabled) {
            Notice(Tone.Error, null, str(S.nfc_off), live = true)
            shell.onNfcSettings?.let { open -> OutlinedButton(onClick = open) { Text(str(S.nfc_settings)) } }
        }
        Body(str(S.hold_body))
        Row(horizontalArrangement = Arrangement.spacedBy(16.dp), verticalAlignment = Alignment.CenterVertically) {
            PhoneBack(shell.antennaY ?: 0.2f)
            Body(shell.antennaHint?.let { str(S.antenna_hint, it) } ?: str(S.antenna_unknown))
        }
        val info = state.job.info
        Body(
            str(S.hold_writing, listOfNotNull(info.issuer, info.account).joinToString(str(S.list_separator)), info.fingerprint),
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        if (!state.job.syncClock) Body(str(S.hold_keeps_clock), color = MaterialTheme.colorScheme.onSurfaceVariant)
        if (state.job.unknownModelKey != null) Notice(Tone.Warning, null, str(S.hold_unknown_key))
        TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
    }
}

/** The back of a phone with the token's place (the NFC antenna) marked. */
@Composable
private fun PhoneBack(antennaY: Float) {
    val description = str(S.antenna_picture)
    val outline = MaterialTheme.colorScheme.onSurfaceVariant
    val mark = MaterialTheme.colorScheme.primary
    Canvas(Modifier.size(width = 72.dp, height = 132.dp).semantics { contentDescription = description }) {
        val stroke = 3.dp.toPx()
        drawRoundRect(outline, style = Stroke(stroke), cornerRadius = CornerRadius(12.dp.toPx()))
        // camera bump, top left
        drawRoundRect(outline, topLeft = Offset(10.dp.toPx(), 10.dp.toPx()), size = androidx.compose.ui.geometry.Size(18.dp.toPx(), 26.dp.toPx()), style = Stroke(stroke / 2), cornerRadius = CornerRadius(5.dp.toPx()))
        val y = size.height * antennaY.coerceIn(0.12f, 0.88f)
        drawCircle(mark.copy(alpha = 0.25f), radius = 18.dp.toPx(), center = Offset(size.width / 2, y))
        drawCircle(mark, radius = 18.dp.toPx(), center = Offset(size.width / 2, y), style = Stroke(stroke))
        drawCircle(mark, radius = 6.dp.toPx(), center = Offset(size.width / 2, y))
    }
}

private val stages = listOf(
    ContactStage.Found to S.stage_found,
    ContactStage.Authenticated to S.stage_authenticated,
    ContactStage.ConfigWritten to S.stage_config,
    ContactStage.SeedWritten to S.stage_seed,
    ContactStage.Confirmed to S.stage_confirmed,
)

@Composable
private fun StageList(progress: Progress) {
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        stages.forEach { (stage, key) ->
            val done = progress.stage >= stage
            val label = str(key)
            val description = str(if (done) S.stage_done_description else S.stage_pending_description, label)
            Row(Modifier.clearAndSetSemantics { contentDescription = description }, verticalAlignment = Alignment.CenterVertically) {
                Text(
                    str(if (done) S.stage_done_mark else S.stage_pending_mark),
                    style = MaterialTheme.typography.titleMedium,
                    color = if (done) MaterialTheme.colorScheme.secondary else MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.width(32.dp),
                )
                Text(
                    label,
                    style = MaterialTheme.typography.bodyLarge,
                    color = if (done) MaterialTheme.colorScheme.onBackground else MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
        }
    }
}

@Composable
private fun TokenLine(progress: Progress) {
    if (progress.serial != null) {
        Body(str(S.token_serial_model, progress.serial, progress.model ?: ""))
    }
}

@Composable
private fun DriftCard(drift: DriftView) {
    val tone = when (drift.advice) {
        "in sync" -> Tone.Success
        "sync required" -> Tone.Warning
        else -> Tone.Neutral
    }
    val lines = buildList {
        add(drift.text)
        if (!drift.referenceTrusted) add(str(S.drift_unverified))
    }
    Notice(tone, str(S.drift_title), *lines.toTypedArray(), live = true)
}

@Composable
fun InContactScreen(state: WizardState.InContact) {
    val p = state.progress
    Screen(str(S.contact_title), step = 3) {
        LinearProgressIndicator(
            progress = { (p.stage.ordinal) / ContactStage.Confirmed.ordinal.toFloat() },
            modifier = Modifier.fillMaxWidth(),
        )
        state.resumeSerial?.let { Notice(Tone.Neutral, null, str(S.resuming, it)) }
        TokenLine(p)
        p.drift?.let { DriftCard(it) }
        StageList(p)
        p.step?.let {
            Text(
                it,
                style = MaterialTheme.typography.bodyLarge,
                color = MaterialTheme.colorScheme.primary,
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            )
        }
    }
}

@Composable
fun DoneScreen(state: WizardState.Done, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    val report = state.report
    Screen(str(S.done_title), step = 4) {
        Notice(Tone.Success, null, str(S.done_switch), live = true)
        Body(str(S.token_serial_model, report.token.serial, report.token.model))
        val clockAfter = DateTimeFormatter.ofPattern(str(S.time_of_day_format))
            .format(Instant.ofEpochSecond(report.clockAfter).atZone(ZoneId.systemDefault()))
        val residual = report.residualMs
        Body(
            if (residual != null) {
                str(S.clock_after_residual, clockAfter, str(S.seconds_signed, residual / 1000.0))
            } else {
                str(S.clock_after, clockAfter)
            },
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        Body(str(S.done_drift_before, report.token.drift.text), color = MaterialTheme.colorScheme.onSurfaceVariant)
        // By the token's own clock: the core's offset is 0 after a clock set and
        // the token's kept offset otherwise.
        val codes = state.job.seed.expectedCodes(Math.floorDiv(shell.nowSecs * 1000 + report.tokenOffsetMs, 1000L))
        Card(Modifier.fillMaxWidth()) {
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(str(S.codes_title), style = MaterialTheme.typography.titleMedium)
                CodeBox(str(S.code_current), codes.current, big = true, modifier = Modifier.fillMaxWidth())
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceEvenly) {
                    CodeBox(str(S.code_previous), codes.previous, big = false)
                    CodeBox(str(S.code_next), codes.next, big = false)
                }
                Text(str(S.code_countdown, codes.secondsLeft.toInt()), style = MaterialTheme.typography.bodyLarge)
                LinearProgressIndicator(
                    progress = { codes.secondsLeft.toFloat() / codes.period.toFloat() },
                    modifier = Modifier.fillMaxWidth(),
                )
            }
        }
        var code by remember { mutableStateOf(shell.initialCode) }
        OutlinedTextField(
            value = code,
            onValueChange = { code = it.filter { c -> c.isDigit() || c == ' ' }.take(8) },
            label = { Text(str(S.verify_label)) },
            textStyle = MonoStyle,
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword, autoCorrectEnabled = false),
            modifier = Modifier.fillMaxWidth(),
        )
        Button(onClick = { onEvent(WizardEvent.CodeRead(code)) }, enabled = code.count { it.isDigit() } >= 6) {
            Text(str(S.verify_check))
        }
        state.check?.let { c ->
            if (c.diagnosis.matched) {
                Notice(Tone.Success, str(S.verify_match), c.diagnosis.sentence, live = true)
            } else {
                Notice(Tone.Warning, null, c.diagnosis.sentence, live = true)
            }
        }
        OutlinedButton(onClick = { onEvent(WizardEvent.StartOver) }, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.burn_another))
        }
    }
}

@Composable
private fun CodeBox(label: String, code: String, big: Boolean, modifier: Modifier = Modifier) {
    val spoken = code.toList().joinToString(" ")
    val description = str(S.code_description, label, spoken)
    Column(
        horizontalAlignment = Alignment.CenterHorizontally,
        modifier = modifier.clearAndSetSemantics { contentDescription = description },
    ) {
        Text(label, style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(
            // "533 956": easier to compare with the token's display.
            if (code.length == 6) code.substring(0, 3) + " " + code.substring(3) else code,
            style = if (big) CodeStyle else MonoStyle,
            color = if (big) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.onSurfaceVariant,
            textAlign = TextAlign.Center,
        )
    }
}

@Composable
fun FailedScreen(state: WizardState.Failed, onEvent: (WizardEvent) -> Unit) {
    val f = state.failure
    val title = when (f) {
        is Failure.LinkLost -> if (f.tokenMayBeBlank) S.failed_blank_title else S.failed_lost_title
        is Failure.Refused -> S.failed_refused_title
        is Failure.Refusal -> S.failed_refusal_title
        is Failure.Internal -> S.failed_internal_title
    }
    Screen(str(title), step = 3) {
        TokenLine(state.progress)
        Notice(Tone.Error, null, f.message, live = true)
        when (f) {
            is Failure.LinkLost -> {
                val again = f.resumeSerial?.let { str(S.tap_again_same, it) } ?: str(S.tap_again)
                Notice(Tone.Warning, null, again, live = true)
            }
            is Failure.Refused -> when {
                // Only the user's explicit choice arms one more contact.
                state.retryArmed -> {
                    Notice(Tone.Warning, null, str(S.retry_armed, f.resumeSerial ?: state.progress.serial ?: ""), live = true)
                    TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.retry_cancel)) }
                }
                !state.abandonAsked -> OutlinedButton(onClick = { onEvent(WizardEvent.TryAgain) }) { Text(str(S.try_again)) }
                else -> {}
            }
            is Failure.Internal -> Body(str(S.report_bug))
            is Failure.Refusal -> {}
        }
        if (state.abandonAsked) {
            Notice(Tone.Error, null, str(S.abandon_warning), live = true)
            // The safe answer is the prominent one.
            Button(onClick = { onEvent(WizardEvent.Back) }, modifier = Modifier.fillMaxWidth()) {
                Text(str(S.abandon_cancel))
            }
            OutlinedButton(onClick = { onEvent(WizardEvent.AbandonToken) }, modifier = Modifier.fillMaxWidth()) {
                Text(str(S.abandon_confirm))
            }
        } else if (state.mustResume && !state.retryArmed) {
            TextButton(onClick = { onEvent(WizardEvent.AbandonToken) }) { Text(str(S.abandon_ask)) }
        }
        StageList(state.progress)
        if (!state.mustResume) {
            TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
        }
    }
}

@Composable
fun UnknownModelScreen(state: WizardState.UnknownModel, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.unknown_title), step = 3) {
        Body(str(S.unknown_body, state.serial))
        Notice(Tone.Neutral, null, state.message)
        Notice(Tone.Warning, null, str(S.unknown_warning))
        OutlinedButton(onClick = { onEvent(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.FamilyDefault)) }, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.unknown_default_key))
        }
        var key by remember { mutableStateOf("") }
        OutlinedTextField(
            value = key,
            onValueChange = {
                pastedChunk(key, it)?.let { chunk -> shell.onInserted?.invoke(chunk) }
                key = it
            },
            label = { Text(str(S.unknown_custom_label)) },
            textStyle = MonoStyle,
            isError = state.keyInvalid,
            supportingText = if (state.keyInvalid) ({ Text(str(S.unknown_key_invalid)) }) else null,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedButton(
            onClick = { onEvent(WizardEvent.ChooseUnknownModelKey(UnknownModelKey.Custom(key.filter { !it.isWhitespace() }))) },
            enabled = key.isNotBlank(),
            modifier = Modifier.fillMaxWidth(),
        ) { Text(str(S.unknown_custom_key)) }
        Button(onClick = { onEvent(WizardEvent.Back) }, modifier = Modifier.fillMaxWidth()) { Text(str(S.unknown_leave)) }
        // What is known, and how to help add this model: a report the user reads, then shares.
        Body(str(S.unknown_known))
        val report = state.reportText
        if (report != null && !state.reportShown) {
            TextButton(onClick = { onEvent(WizardEvent.ShowReport) }) { Text(str(S.report_show)) }
        } else if (report != null) {
            Notice(Tone.Neutral, null, str(S.report_intro))
            Text(report, style = MonoStyle, modifier = Modifier.fillMaxWidth())
            shell.onShareText?.let { share ->
                OutlinedButton(onClick = { share(report) }, modifier = Modifier.fillMaxWidth()) { Text(str(S.report_share)) }
            }
        }
    }
}
