package org.tokenkiln.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.unit.dp

/** Shorthand for the current [Strings]. */
@Composable
fun str(key: S, vararg args: Any): String = LocalStrings.current.text(key, *args)

/** A scrolling screen with a heading (announced as a heading by TalkBack). */
@Composable
fun Screen(title: String, step: Int? = null, content: @Composable ColumnScope.() -> Unit) {
    Surface(modifier = Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(
            modifier = Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(horizontal = 20.dp, vertical = 24.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            if (step != null) {
                Text(
                    str(S.step_of, step),
                    style = MaterialTheme.typography.labelLarge,
                    color = MaterialTheme.colorScheme.primary,
                )
            }
            Text(
                title,
                style = MaterialTheme.typography.headlineMedium,
                color = MaterialTheme.colorScheme.onBackground,
                modifier = Modifier.semantics { heading() },
            )
            content()
        }
    }
}

enum class Tone { Neutral, Warning, Error, Success }

/** A coloured card with an optional title; polite live region so TalkBack reads changes. */
@Composable
fun Notice(tone: Tone, title: String?, vararg lines: String, live: Boolean = false) {
    val (bg, fg) = when (tone) {
        Tone.Neutral -> MaterialTheme.colorScheme.surfaceVariant to MaterialTheme.colorScheme.onSurfaceVariant
        Tone.Warning -> WarningContainer to OnWarningContainer
        Tone.Error -> MaterialTheme.colorScheme.errorContainer to MaterialTheme.colorScheme.onErrorContainer
        Tone.Success -> SuccessContainer to OnSuccessContainer
    }
    Card(
        modifier = Modifier.fillMaxWidth().let { if (live) it.semantics { liveRegion = LiveRegionMode.Polite } else it },
        colors = CardDefaults.cardColors(containerColor = bg, contentColor = fg),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            if (title != null) Text(title, style = MaterialTheme.typography.titleMedium, color = fg)
            lines.filter { it.isNotBlank() }.forEach { Text(it, style = MaterialTheme.typography.bodyLarge, color = fg) }
        }
    }
}

/** "Label   value" on one line (merged for TalkBack by the Row's text children). */
@Composable
fun Field(label: String, value: String, valueStyle: TextStyle = MaterialTheme.typography.bodyLarge) {
    Row(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(label, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant, modifier = Modifier.width(150.dp))
        Text(value, style = valueStyle, color = MaterialTheme.colorScheme.onSurface)
    }
}

@Composable
fun Body(text: String, color: Color = MaterialTheme.colorScheme.onBackground) {
    Text(text, style = MaterialTheme.typography.bodyLarge, color = color)
}

/**
 * The text inserted by an edit from [old] to [new] when it arrived in one go — at least
 * [minChars] characters at once, as a paste does (typing adds one at a time); else null.
 */
fun pastedChunk(old: String, new: String, minChars: Int = 8): String? {
    if (new.length - old.length < minChars) return null
    val prefix = old.commonPrefixWith(new).length
    val suffix = old.substring(prefix).commonSuffixWith(new.substring(prefix)).length
    val inserted = new.substring(prefix, new.length - suffix)
    return inserted.takeIf { it.length >= minChars }
}
