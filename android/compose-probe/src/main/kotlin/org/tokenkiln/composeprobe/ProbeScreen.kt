// PROBE (issue 8 replaces it with the app's screens): a small Material 3 screen that shows
// the Compose compiler plugin, the Material 3 library and state all work under Maven.
package org.tokenkiln.composeprobe

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.darkColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp

/** The dark scheme the probe renders with; tests read its colours back from the pixels. */
val ProbeColors = darkColorScheme()

@Composable
fun ProbeScreen(serial: String) {
    var step by remember { mutableStateOf(0) }
    MaterialTheme(colorScheme = ProbeColors) {
        Surface(modifier = Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
            Column(
                modifier = Modifier.padding(24.dp),
                verticalArrangement = Arrangement.spacedBy(16.dp),
            ) {
                Text("Hold the token to the phone", style = MaterialTheme.typography.headlineSmall)
                Card(modifier = Modifier.fillMaxWidth()) {
                    Text("Serial $serial", modifier = Modifier.padding(16.dp))
                }
                LinearProgressIndicator(
                    progress = { step / 3f },
                    modifier = Modifier.fillMaxWidth().semantics { contentDescription = "progress" },
                )
                Text(if (step == 0) "Not started" else "Step $step of 3")
                Button(onClick = { if (step < 3) step += 1 }) { Text("Burn") }
            }
        }
    }
}
