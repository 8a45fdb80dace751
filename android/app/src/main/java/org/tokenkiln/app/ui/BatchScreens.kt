package org.tokenkiln.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.compose.foundation.selection.toggleable
import org.tokenkiln.app.wizard.ALGORITHMS
import org.tokenkiln.app.wizard.BatchEvent
import org.tokenkiln.app.wizard.BatchRow
import org.tokenkiln.app.wizard.BatchSeeds
import org.tokenkiln.app.wizard.BatchState
import org.tokenkiln.app.wizard.DISPLAY_TIMEOUTS
import org.tokenkiln.app.wizard.PERIODS
import org.tokenkiln.app.wizard.Protection
import org.tokenkiln.app.wizard.RowResult
import org.tokenkiln.app.wizard.Strength
import org.tokenkiln.core.BatchTally

/** What the platform gives the batch screens: pickers, the QR scan, NFC state. */
class BatchShellUi(
    /** Opens the system file picker for a seed file; null where it cannot be offered. */
    val onPickSeedFile: (() -> Unit)? = null,
    /** Scans the admin's age public key as a QR code (the camera path of the seed scan). */
    val onScanRecipient: (() -> Unit)? = null,
    /** While scanning the key: the camera preview (an Android view on the phone). */
    val recipientPreview: (@Composable (Modifier) -> Unit)? = null,
    /** Returns the clipboard's text; null when nothing to paste. */
    val onPaste: (() -> String?)? = null,
    /** Opens the file picker for a UPN map (CSV serial,upn). */
    val onPickUpnMap: (() -> Unit)? = null,
    /** Opens the create-document picker; its result becomes [BatchEvent.SaveExport]. */
    val onSaveExport: (() -> Unit)? = null,
    val nfcEnabled: Boolean = true,
    /** Pre-filled recipient (the render test shows the field with a key). */
    val initialRecipient: String = "",
)

/** The batch screens, one per [BatchState], in the Kiln theme. */
@Composable
fun BatchScreen(state: BatchState, strings: Strings, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    CompositionLocalProvider(LocalStrings provides strings) {
        KilnTheme {
            when (state) {
                is BatchState.Settings -> BatchSettingsScreen(state, shell, onEvent)
                is BatchState.Opening -> Screen(str(S.batch_settings_title)) {
                    LinearProgressIndicator(Modifier.fillMaxWidth())
                    Body(str(S.batch_opening))
                }
                is BatchState.Resume -> BatchResumeScreen(state, shell, onEvent)
                is BatchState.Tapping -> BatchTapScreen(state, shell, onEvent)
                is BatchState.Export -> BatchExportScreen(state, shell, onEvent)
                is BatchState.Stopped -> Screen(str(S.batch_stopped_title)) {
                    Notice(Tone.Error, null, state.message, str(S.batch_stopped_body), live = true)
                    state.tally?.let { Counter(it) }
                }
            }
        }
    }
}

@Composable
private fun BatchSettingsScreen(state: BatchState.Settings, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    Screen(str(S.batch_settings_title)) {
        Body(str(S.batch_settings_intro), color = MaterialTheme.colorScheme.onSurfaceVariant)
        Label(str(S.batch_seeds_label))
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(state.seeds is BatchSeeds.Fresh, onClick = { onEvent(BatchEvent.UseFreshSeeds) }, label = { Text(str(S.batch_seeds_fresh)) })
            FilterChip(state.seeds is BatchSeeds.File, onClick = { shell.onPickSeedFile?.invoke() }, label = { Text(str(S.batch_seeds_file)) })
        }
        val file = state.seeds as? BatchSeeds.File
        if (file != null) {
            Body(str(S.batch_seed_file_name, file.name))
            if (file.encrypted) SecretField(str(S.batch_seed_file_passphrase)) { onEvent(BatchEvent.SeedFilePassphrase(it)) }
        }
        Choices(str(S.label_algorithm), ALGORITHMS, state.algorithm, { it }) { onEvent(BatchEvent.SetTokenSettings(it, state.period)) }
        Choices(str(S.label_period), PERIODS, state.period, { str(S.seconds, it) }) { onEvent(BatchEvent.SetTokenSettings(state.algorithm, it)) }
        Choices(str(S.label_display_timeout), DISPLAY_TIMEOUTS, state.displayTimeoutSecs, { str(S.seconds, it) }) {
            onEvent(BatchEvent.SetDisplayTimeout(it))
        }
        Row(
            Modifier.fillMaxWidth().toggleable(value = state.syncClock, role = Role.Switch, onValueChange = { onEvent(BatchEvent.SetSyncClock(it)) }),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(str(S.sync_clock_label), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
            Switch(checked = state.syncClock, onCheckedChange = null)
        }
        HorizontalDivider()
        Label(str(S.batch_export_to_label))
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(state.protection is Protection.Recipient, onClick = { onEvent(BatchEvent.SetRecipient("")) }, label = { Text(str(S.batch_export_to_key)) })
            FilterChip(
                state.protection is Protection.Passphrase,
                onClick = { onEvent(BatchEvent.SetPassphrase(CharArray(0), CharArray(0))) },
                label = { Text(str(S.batch_export_to_passphrase)) },
            )
        }
        when (val p = state.protection) {
            is Protection.Recipient -> RecipientPane(p, shell, onEvent)
            is Protection.Passphrase -> PassphrasePane(p, onEvent)
        }
        state.problem?.let { Notice(Tone.Error, null, it, live = true) }
        Button(onClick = { onEvent(BatchEvent.Start) }, enabled = state.canStart, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.batch_start))
        }
    }
}

@Composable
private fun RecipientPane(p: Protection.Recipient, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    var text by remember { mutableStateOf(p.publicKey.ifEmpty { shell.initialRecipient }) }
    OutlinedTextField(
        value = text,
        onValueChange = { text = it; onEvent(BatchEvent.SetRecipient(it)) },
        label = { Text(str(S.batch_recipient_label)) },
        textStyle = MonoStyle,
        isError = text.isNotBlank() && !p.valid,
        keyboardOptions = KeyboardOptions(autoCorrectEnabled = false, keyboardType = KeyboardType.Ascii),
        modifier = Modifier.fillMaxWidth(),
    )
    shell.recipientPreview?.let { preview ->
        preview(Modifier.fillMaxWidth().height(240.dp))
        Body(str(S.batch_recipient_scan_hint), color = MaterialTheme.colorScheme.onSurfaceVariant)
    }
    FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        shell.onScanRecipient?.let { scan -> OutlinedButton(onClick = scan) { Text(str(S.batch_recipient_scan)) } }
        shell.onPaste?.let { paste ->
            OutlinedButton(onClick = { paste()?.let { text = it.trim(); onEvent(BatchEvent.SetRecipient(it)) } }) { Text(str(S.paste)) }
        }
    }
    when {
        p.valid -> Notice(Tone.Success, null, str(S.batch_recipient_ok), live = true)
        text.isNotBlank() -> Notice(Tone.Error, null, str(S.batch_recipient_invalid), live = true)
    }
}

@Composable
private fun PassphrasePane(p: Protection.Passphrase, onEvent: (BatchEvent) -> Unit) {
    // The typed text lives in this composable only (never in a wizard state or saved state).
    var first by remember { mutableStateOf("") }
    var second by remember { mutableStateOf("") }
    val send = { onEvent(BatchEvent.SetPassphrase(first.toCharArray(), second.toCharArray())) }
    PasswordField(first, str(S.batch_passphrase_label)) { first = it; send() }
    PasswordField(second, str(S.batch_passphrase_again)) { second = it; send() }
    val strength = when (p.strength) {
        Strength.Empty -> S.batch_strength_empty
        Strength.Weak -> S.batch_strength_weak
        Strength.Fair -> S.batch_strength_fair
        Strength.Strong -> S.batch_strength_strong
    }
    val tone = if (p.strength >= Strength.Fair) Tone.Success else Tone.Warning
    Notice(tone, null, str(S.batch_strength, str(strength)), live = true)
    if (second.isNotEmpty() && !p.matches) Notice(Tone.Error, null, str(S.batch_passphrase_mismatch), live = true)
    Body(str(S.batch_passphrase_note), color = MaterialTheme.colorScheme.onSurfaceVariant)
}

@Composable
private fun PasswordField(value: String, label: String, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(autoCorrectEnabled = false, keyboardType = KeyboardType.Password),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** A one-shot secret field: each change is handed over as characters. */
@Composable
private fun SecretField(label: String, onChange: (CharArray) -> Unit) {
    var text by remember { mutableStateOf("") }
    PasswordField(text, label) { text = it; onChange(it.toCharArray()) }
}

@Composable
private fun BatchResumeScreen(state: BatchState.Resume, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    Screen(str(S.batch_resume_title)) {
        Notice(Tone.Warning, null, str(S.batch_resume_body), live = true)
        Field(str(S.label_algorithm), state.saved.algorithm)
        Field(str(S.label_period), str(S.seconds, state.saved.period))
        Field(str(S.batch_export_to_label), state.saved.recipient?.let { it.take(12) + "…" + it.takeLast(6) } ?: str(S.batch_export_to_passphrase))
        if (state.needsPassphrase) SecretField(str(S.batch_resume_passphrase)) { onEvent(BatchEvent.ResumePassphrase(it)) }
        state.saved.seedFile?.let { name ->
            if (!state.seedFilePicked) {
                Body(str(S.batch_resume_seed_file, name))
                shell.onPickSeedFile?.let { pick -> OutlinedButton(onClick = pick) { Text(str(S.batch_seeds_file)) } }
            }
        }
        state.problem?.let { Notice(Tone.Error, null, it, live = true) }
        Button(onClick = { onEvent(BatchEvent.Continue) }, enabled = state.canContinue, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.batch_continue))
        }
        OutlinedButton(onClick = { onEvent(BatchEvent.ExportNow) }, modifier = Modifier.fillMaxWidth()) { Text(str(S.batch_export_now)) }
    }
}

@Composable
private fun BatchTapScreen(state: BatchState.Tapping, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    Screen(str(S.batch_tap_title)) {
        if (!shell.nfcEnabled) Notice(Tone.Error, null, str(S.nfc_off), live = true)
        val waiting = state.waitingFor
        if (waiting != null) {
            Notice(Tone.Warning, null, str(S.batch_waiting, waiting), live = true)
        } else {
            Body(str(S.batch_tap_body))
        }
        Counter(state.tally)
        state.contact?.let { c ->
            LinearProgressIndicator(Modifier.fillMaxWidth())
            Body(str(S.batch_in_contact, listOfNotNull(c.serial, c.step).joinToString(" · ")))
        }
        state.announcement?.let { Notice(toneOf(state.rows.firstOrNull()?.result), null, it, live = true) }
        state.rows.forEach { RowCard(it) }
        Button(onClick = { onEvent(BatchEvent.Finish) }, enabled = state.contact == null, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.batch_finish))
        }
    }
}

@Composable
private fun Counter(t: BatchTally) {
    Text(
        str(S.batch_counter, t.confirmedTotal.toInt(), t.retap.toInt(), t.refused.toInt(), t.skipped.toInt()),
        style = MaterialTheme.typography.titleMedium,
        color = MaterialTheme.colorScheme.primary,
    )
    if (t.unconfirmed.isNotEmpty()) Body(str(S.batch_unconfirmed, t.unconfirmed.joinToString(", ")), color = MaterialTheme.colorScheme.onSurfaceVariant)
}

private fun toneOf(r: RowResult?): Tone = when (r) {
    RowResult.Burned, RowResult.Finished -> Tone.Success
    RowResult.LinkLost, RowResult.Unknown, RowResult.Repeat, RowResult.Skipped -> Tone.Warning
    RowResult.Refused -> Tone.Error
    null -> Tone.Neutral
}

@Composable
private fun RowCard(row: BatchRow) {
    val result = str(
        when (row.result) {
            RowResult.Burned -> S.batch_result_burned
            RowResult.Finished -> S.batch_result_finished
            RowResult.LinkLost -> S.batch_result_link_lost
            RowResult.Refused -> S.batch_result_refused
            RowResult.Unknown -> S.batch_result_unknown
            RowResult.Repeat -> S.batch_result_repeat
            RowResult.Skipped -> S.batch_result_skipped
        },
    )
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(row.serial ?: "—", style = MonoStyle)
            Text(
                listOfNotNull(row.model, result, row.driftMs?.let { str(S.batch_drift, "%.1f".format(it / 1000.0)) }).joinToString(" · "),
                style = MaterialTheme.typography.bodyMedium,
            )
            if (row.detail.isNotBlank() && row.result != RowResult.Repeat && row.result != RowResult.Unknown) {
                Text(row.detail, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
        }
    }
}

@Composable
private fun BatchExportScreen(state: BatchState.Export, shell: BatchShellUi, onEvent: (BatchEvent) -> Unit) {
    Screen(str(S.batch_export_title)) {
        Counter(state.tally)
        Body(str(S.batch_export_body), color = MaterialTheme.colorScheme.onSurfaceVariant)
        Choices(str(S.batch_format_label), state.formats, state.format, { it }) { onEvent(BatchEvent.ChooseFormat(it)) }
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            shell.onPickUpnMap?.let { pick -> OutlinedButton(onClick = pick) { Text(str(S.batch_upn_map)) } }
            state.upnMapName?.let { Body(str(S.batch_upn_map_name, it)) }
        }
        state.problem?.let { Notice(Tone.Error, null, it, live = true) }
        state.saved?.let { Notice(Tone.Success, null, str(S.batch_saved, it.rows, it.format), live = true) }
        Button(onClick = { shell.onSaveExport?.invoke() }, modifier = Modifier.fillMaxWidth()) { Text(str(S.batch_save)) }
        if (state.saved != null) {
            OutlinedButton(onClick = { onEvent(BatchEvent.NewBatch) }, modifier = Modifier.fillMaxWidth()) { Text(str(S.batch_new)) }
        }
        TextButton(onClick = { onEvent(BatchEvent.Back) }) { Text(str(S.back)) }
    }
}

@Composable
private fun Label(text: String) {
    Text(text, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
}

@Composable
private fun <T> Choices(label: String, values: List<T>, selected: T, show: @Composable (T) -> String, onPick: (T) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Label(label)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            values.forEach { v -> FilterChip(selected = v == selected, onClick = { onPick(v) }, label = { Text(show(v)) }) }
        }
    }
}
