package org.tokenkiln.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import org.tokenkiln.app.wizard.ContactStage
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.WizardState

/** The whole app UI: one screen per wizard state, in the dark Kiln theme. */
@Composable
fun WizardScreen(state: WizardState, strings: Strings, shell: ShellUi, onEvent: (WizardEvent) -> Unit) {
    CompositionLocalProvider(LocalStrings provides strings) {
        KilnTheme {
            when (state) {
                is WizardState.GetSeed -> GetSeedScreen(state, shell, onEvent)
                is WizardState.PickAccount -> PickAccountScreen(state, onEvent)
                is WizardState.AskEncoding -> AskEncodingScreen(state, onEvent)
                is WizardState.Confirm -> ConfirmScreen(state, onEvent)
                is WizardState.ClockUnverified -> ClockUnverifiedScreen(state, onEvent)
                is WizardState.Hold -> HoldScreen(state, shell, onEvent)
                is WizardState.InContact -> InContactScreen(state)
                is WizardState.Done -> DoneScreen(state, shell, onEvent)
                is WizardState.Failed -> FailedScreen(state, onEvent)
                is WizardState.UnknownModel -> UnknownModelScreen(state, shell, onEvent)
            }
        }
    }
}

/** Screens that show seed data (or a camera view of it): the shell sets FLAG_SECURE on them. */
fun WizardState.showsSeedData(): Boolean = when (this) {
    is WizardState.GetSeed, is WizardState.PickAccount, is WizardState.AskEncoding,
    is WizardState.Confirm, is WizardState.Done,
    // account and fingerprint; the unknown model's key field
    is WizardState.Hold, is WizardState.UnknownModel,
    -> true
    else -> false
}

/** What the shell says (TalkBack) and whether it buzzes when the wizard enters [next]. */
data class Cue(val speech: String, val haptic: Haptic)

enum class Haptic { None, Tick, Success, Error }

/** The cue for a state change, or null when nothing new happened. */
fun cueFor(previous: WizardState?, next: WizardState, strings: Strings): Cue? = when (next) {
    // a scanned, typed or shared seed was read (not: back from a later step)
    is WizardState.Confirm, is WizardState.PickAccount, is WizardState.AskEncoding ->
        if (previous is WizardState.GetSeed || previous == null) Cue(strings.text(S.cue_seed_read), Haptic.Tick) else null
    // a refused input or a wrong QR code: its own sentence
    is WizardState.GetSeed -> next.problem?.takeIf { it != (previous as? WizardState.GetSeed)?.problem }?.let {
        Cue(it.reason, Haptic.Error)
    }
    is WizardState.ClockUnverified ->
        if (previous !is WizardState.ClockUnverified) Cue(strings.text(S.cue_clock_unverified), Haptic.Tick) else null
    is WizardState.Hold -> if (previous !is WizardState.Hold) Cue(strings.text(S.cue_hold), Haptic.None) else null
    is WizardState.InContact -> {
        val before = (previous as? WizardState.InContact)?.progress?.stage
        when {
            next.progress.stage == ContactStage.Found && before != ContactStage.Found -> Cue(strings.text(S.cue_found), Haptic.Tick)
            else -> null
        }
    }
    is WizardState.Done -> if (previous !is WizardState.Done) Cue(strings.text(S.cue_done), Haptic.Success) else null
    is WizardState.Failed -> if (previous !is WizardState.Failed || previous.failure != next.failure) {
        Cue(strings.text(S.cue_failed, next.failure.message), Haptic.Error)
    } else {
        null
    }
    is WizardState.UnknownModel -> if (previous !is WizardState.UnknownModel) Cue(strings.text(S.cue_unknown), Haptic.Error) else null
}
