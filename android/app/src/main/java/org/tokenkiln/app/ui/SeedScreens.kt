package org.tokenkiln.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedCard
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.tokenkiln.app.wizard.ALGORITHMS
import org.tokenkiln.app.wizard.DISPLAY_TIMEOUTS
import org.tokenkiln.app.wizard.InputMode
import org.tokenkiln.app.wizard.PERIODS
import org.tokenkiln.app.wizard.TypedCheck
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.WizardState
import org.tokenkiln.core.SeedInfo
import org.tokenkiln.core.UnreadableHint

@Composable
fun GetSeedScreen(state: WizardState.GetSeed, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.get_seed_title), step = 1) {
        Body(str(S.get_seed_intro))
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            FilterChip(
                selected = state.mode == InputMode.Scan,
                onClick = { onEvent(WizardEvent.ChooseInputMode(InputMode.Scan)) },
                label = { Text(str(S.mode_scan)) },
            )
            FilterChip(
                selected = state.mode == InputMode.Type,
                onClick = { onEvent(WizardEvent.ChooseInputMode(InputMode.Type)) },
                label = { Text(str(S.mode_type)) },
            )
        }
        state.problem?.let { p ->
            val lines = buildList {
                add(p.reason)
                val extra = p.suggestions.filter { it !in p.reason } // the core's reason may already say them
                if (extra.isNotEmpty()) add(str(S.suggestions, extra.joinToString(", ")))
            }
            Notice(Tone.Error, str(if (p.wrongQr) S.wrong_qr_title else S.refused_title), *lines.toTypedArray(), live = true)
        }
        when (state.mode) {
            InputMode.Scan -> ScanPane(state, shell)
            InputMode.Type -> TypePane(state, shell, onEvent)
        }
        Body(str(S.share_hint), color = MaterialTheme.colorScheme.onSurfaceVariant)
        // The second entry: a whole box of tokens (the batch screens, BatchScreens.kt).
        shell.onBatch?.let { open -> OutlinedButton(onClick = open, modifier = Modifier.fillMaxWidth()) { Text(str(S.batch_entry)) } }
    }
}

@Composable
private fun ScanPane(state: WizardState.GetSeed, shell: ShellUi) {
    val previewLabel = str(S.camera_preview_description)
    Box(
        Modifier.fillMaxWidth().height(280.dp).semantics { contentDescription = previewLabel },
    ) {
        shell.cameraPreview(Modifier.fillMaxWidth().height(280.dp))
    }
    FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        shell.onTorch?.let { torch ->
            OutlinedButton(onClick = { torch(!shell.torchOn) }) { Text(str(if (shell.torchOn) S.torch_off else S.torch_on)) }
        }
        shell.onZoom?.let { zoom ->
            OutlinedButton(onClick = { zoom(false) }) { Text(str(S.zoom_out)) }
            OutlinedButton(onClick = { zoom(true) }) { Text(str(S.zoom_in)) }
        }
    }
    val unreadable = state.qrUnreadable
    if (unreadable != null) {
        val advice = when (unreadable) {
            UnreadableHint.MOVE_CLOSER -> S.scan_unreadable_closer
            UnreadableHint.HOLD_STEADY -> S.scan_unreadable
        }
        Notice(Tone.Warning, null, str(advice), live = true)
    } else {
        Body(str(S.scan_hint), color = MaterialTheme.colorScheme.onSurfaceVariant)
    }
}

@Composable
private fun TypePane(state: WizardState.GetSeed, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    // The typed key lives only in this composable's memory (never saved state).
    var text by remember { mutableStateOf(shell.initialTyped) }
    OutlinedTextField(
        value = text,
        onValueChange = {
            pastedChunk(text, it)?.let { chunk -> shell.onInserted?.invoke(chunk) }
            text = it
            onEvent(WizardEvent.TypedChanged(it))
        },
        label = { Text(str(S.typed_label)) },
        textStyle = MonoStyle,
        singleLine = false,
        minLines = 2,
        isError = state.typed is TypedCheck.Invalid,
        keyboardOptions = KeyboardOptions(
            capitalization = KeyboardCapitalization.Characters,
            autoCorrectEnabled = false,
            keyboardType = KeyboardType.Password,
        ),
        modifier = Modifier.fillMaxWidth(),
    )
    when (val c = state.typed) {
        TypedCheck.Empty -> Body(str(S.typed_empty), color = MaterialTheme.colorScheme.onSurfaceVariant)
        is TypedCheck.Valid -> Notice(Tone.Success, null, str(S.typed_valid, c.bits), live = true)
        is TypedCheck.Export -> Notice(Tone.Success, null, str(S.typed_export, c.accounts), live = true)
        is TypedCheck.Ambiguous -> Notice(Tone.Warning, null, str(S.typed_ambiguous, c.hexBits, c.base32Bits), live = true)
        is TypedCheck.Invalid -> {
            val lines = buildList {
                add(c.reason)
                val extra = c.suggestions.filter { it !in c.reason }
                if (extra.isNotEmpty()) add(str(S.suggestions, extra.joinToString(", ")))
            }
            Notice(Tone.Error, null, *lines.toTypedArray(), live = true)
        }
    }
    Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        shell.onPaste?.let { paste ->
            OutlinedButton(onClick = {
                paste()?.let {
                    text = it
                    onEvent(WizardEvent.TypedChanged(it))
                }
            }) { Text(str(S.paste)) }
        }
        Button(
            onClick = { onEvent(WizardEvent.TypedSubmitted(text)) },
            enabled = state.typed.let { it is TypedCheck.Valid || it is TypedCheck.Ambiguous || it is TypedCheck.Export },
        ) { Text(str(S.continue_action)) }
    }
}

@Composable
fun PickAccountScreen(state: WizardState.PickAccount, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.pick_title), step = 1) {
        Body(str(S.pick_intro))
        if (state.warnings.isNotEmpty()) Notice(Tone.Warning, str(S.warnings_title), *state.warnings.toTypedArray())
        state.rows.forEach { row ->
            val sep = str(S.list_separator)
            val name = listOfNotNull(row.info.issuer, row.info.account).joinToString(sep).ifBlank { str(S.account_unnamed) }
            OutlinedCard(
                onClick = { onEvent(WizardEvent.PickAccount(row.index)) },
                enabled = row.burnable,
                modifier = Modifier.fillMaxWidth(),
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(name, style = MaterialTheme.typography.titleMedium)
                    Text(listOf(row.info.fingerprint, row.info.algorithm, str(S.seconds, row.info.period.toInt())).joinToString(sep), style = MonoStyle)
                    if (!row.burnable) {
                        Text(str(S.pick_not_burnable), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge)
                        row.info.problems.forEach { Text(it, style = MaterialTheme.typography.bodyMedium) }
                    }
                }
            }
        }
        TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
    }
}

@Composable
fun AskEncodingScreen(state: WizardState.AskEncoding, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.encoding_title), step = 1) {
        Body(str(S.encoding_intro))
        EncodingChoice(str(S.encoding_hex), state.hexBits, state.asHex) { onEvent(WizardEvent.ChooseEncoding(asHex = true)) }
        EncodingChoice(str(S.encoding_base32), state.base32Bits, state.asBase32) { onEvent(WizardEvent.ChooseEncoding(asHex = false)) }
        TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
    }
}

@Composable
private fun EncodingChoice(label: String, bits: Int, info: SeedInfo, onClick: () -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(str(S.encoding_bits, bits, info.fingerprint), style = MaterialTheme.typography.bodyLarge)
            Button(onClick = onClick, modifier = Modifier.fillMaxWidth()) { Text(label) }
        }
    }
}

@Composable
fun ConfirmScreen(state: WizardState.Confirm, onEvent: (WizardEvent) -> Unit) {
    val info = state.info
    Screen(str(S.confirm_title), step = 2) {
        if (info.problems.isNotEmpty()) Notice(Tone.Error, str(S.problems_title), *info.problems.toTypedArray(), live = true)
        Card(Modifier.fillMaxWidth()) {
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                Field(str(S.label_issuer), info.issuer ?: str(S.not_given))
                Field(str(S.label_account), info.account ?: str(S.not_given))
                Field(str(S.label_fingerprint), info.fingerprint, MonoStyle)
                HorizontalDivider()
                Field(str(S.label_algorithm), info.algorithm)
                Field(str(S.label_digits), info.digits.toString())
                Field(str(S.label_period), str(S.seconds, info.period.toInt()))
                Field(str(S.label_clock), state.clock.source)
            }
        }
        if (state.settingsEditable) {
            Body(str(S.typed_settings_hint), color = MaterialTheme.colorScheme.onSurfaceVariant)
            ChipRow(str(S.label_algorithm), ALGORITHMS, info.algorithm, { it }) {
                onEvent(WizardEvent.SetSettings(it, info.period.toInt()))
            }
            ChipRow(str(S.label_period), PERIODS, info.period.toInt(), { str(S.seconds, it) }) {
                onEvent(WizardEvent.SetSettings(info.algorithm, it))
            }
        }
        ChipRow(str(S.label_display_timeout), DISPLAY_TIMEOUTS, state.displayTimeoutSecs, { str(S.seconds, it) }) {
            onEvent(WizardEvent.SetDisplayTimeout(it))
        }
        Row(
            Modifier.fillMaxWidth().toggleable(
                value = state.syncClock,
                role = Role.Switch,
                onValueChange = { onEvent(WizardEvent.SetSyncClock(it)) },
            ),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Column(Modifier.weight(1f)) {
                Text(str(S.sync_clock_label), style = MaterialTheme.typography.bodyLarge)
                Text(
                    str(if (state.syncClock) S.sync_clock_on else S.sync_clock_off),
                    style = MaterialTheme.typography.bodyMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
            }
            Switch(checked = state.syncClock, onCheckedChange = null)
        }
        if (info.warnings.isNotEmpty()) Notice(Tone.Warning, str(S.warnings_title), *info.warnings.toTypedArray())
        Button(
            onClick = { onEvent(WizardEvent.ConfirmSeed) },
            enabled = state.canContinue,
            modifier = Modifier.fillMaxWidth(),
        ) { Text(str(S.confirm_continue)) }
        TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
    }
}

@Composable
private fun <T> ChipRow(label: String, values: List<T>, selected: T, show: @Composable (T) -> String, onPick: (T) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(label, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            values.forEach { v ->
                FilterChip(selected = v == selected, onClick = { onPick(v) }, label = { Text(show(v)) })
            }
        }
    }
}

@Composable
fun ClockUnverifiedScreen(state: WizardState.ClockUnverified, onEvent: (WizardEvent) -> Unit) {
    Screen(str(S.clock_title), step = 2) {
        Notice(Tone.Warning, null, str(S.clock_body), str(S.clock_advice), live = true)
        Field(str(S.label_clock), state.job.clock.source)
        Button(onClick = { onEvent(WizardEvent.AcceptUnverifiedClock) }, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.clock_accept))
        }
        OutlinedButton(onClick = { onEvent(WizardEvent.SetSyncClock(false)) }, modifier = Modifier.fillMaxWidth()) {
            Text(str(S.clock_keep_token_time))
        }
        TextButton(onClick = { onEvent(WizardEvent.Back) }) { Text(str(S.back)) }
    }
}
