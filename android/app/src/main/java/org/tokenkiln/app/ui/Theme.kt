package org.tokenkiln.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.darkColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.sp

/** Dark, high-contrast scheme: the app is used at a desk or a door, often in poor light. */
val KilnColors = darkColorScheme(
    primary = Color(0xFFFFB86B), // kiln orange
    onPrimary = Color(0xFF2B1700),
    primaryContainer = Color(0xFF5A3500),
    onPrimaryContainer = Color(0xFFFFDDB8),
    secondary = Color(0xFF9FD3C7),
    onSecondary = Color(0xFF00201B),
    background = Color(0xFF121212),
    onBackground = Color(0xFFECE6E0),
    surface = Color(0xFF121212),
    onSurface = Color(0xFFECE6E0),
    surfaceVariant = Color(0xFF2A2622),
    onSurfaceVariant = Color(0xFFD5CBC2),
    error = Color(0xFFFFB4AB),
    onError = Color(0xFF690005),
    errorContainer = Color(0xFF5C1A14),
    onErrorContainer = Color(0xFFFFDAD6),
)

/** Warning colours (amber) for things the user should read before going on. */
val WarningContainer = Color(0xFF4A3B00)
val OnWarningContainer = Color(0xFFFFE28A)
val SuccessContainer = Color(0xFF0F3D2A)
val OnSuccessContainer = Color(0xFFB6F2D2)

private val base = Typography()

/** Larger than Material's defaults: body text at 18 sp, codes at 40 sp monospace. */
val KilnTypography = Typography(
    headlineMedium = base.headlineMedium.copy(fontSize = 30.sp, lineHeight = 36.sp, fontWeight = FontWeight.SemiBold),
    titleLarge = base.titleLarge.copy(fontSize = 24.sp, lineHeight = 30.sp),
    titleMedium = base.titleMedium.copy(fontSize = 20.sp, lineHeight = 26.sp),
    bodyLarge = base.bodyLarge.copy(fontSize = 18.sp, lineHeight = 26.sp),
    bodyMedium = base.bodyMedium.copy(fontSize = 17.sp, lineHeight = 24.sp),
    labelLarge = base.labelLarge.copy(fontSize = 17.sp, lineHeight = 22.sp),
)

val CodeStyle = TextStyle(fontFamily = FontFamily.Monospace, fontSize = 40.sp, fontWeight = FontWeight.Bold, letterSpacing = 4.sp)
val MonoStyle = TextStyle(fontFamily = FontFamily.Monospace, fontSize = 18.sp)

@Composable
fun KilnTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = KilnColors, typography = KilnTypography, content = content)
}
