// PROBE (issue 8 replaces it): renders ProbeScreen headless to PNG and checks the pixels, and
// drives it through the Compose UI test API, all on the JVM with JUnit 5.
package org.tokenkiln.composeprobe

import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.graphics.toArgb
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.use
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import javax.imageio.ImageIO

class HeadlessRenderTest {
    private val outDir = File(System.getProperty("compose.probe.out", "target/compose-probe")).apply { mkdirs() }

    @Test
    fun `ImageComposeScene renders a Material 3 screen to a PNG`() {
        val image: Image = ImageComposeScene(width = 400, height = 320) { ProbeScreen(serial = "TK-0012345") }
            .use { it.render() }
        val png = image.encodeToData(EncodedImageFormat.PNG)?.bytes ?: error("PNG encoding failed")
        val file = File(outDir, "probe-scene.png").apply { writeBytes(png) }

        val decoded = ImageIO.read(file)
        assertEquals(400, decoded.width)
        assertEquals(320, decoded.height)
        // The corner shows the theme background; the text and widgets add other colours.
        assertEquals(ProbeColors.background.toArgb(), decoded.getRGB(2, 2))
        val colours = HashSet<Int>()
        for (y in 0 until decoded.height step 2) for (x in 0 until decoded.width step 2) colours += decoded.getRGB(x, y)
        assertTrue(colours.size > 20, "only ${colours.size} distinct colours: nothing drawn?")
    }

    @OptIn(ExperimentalTestApi::class)
    @Test
    fun `the UI test API finds nodes, clicks, and captures the result`() = runComposeUiTest {
        setContent { ProbeScreen(serial = "TK-0012345") }
        onNodeWithText("Not started").assertExists()
        onNodeWithText("Burn").performClick()
        onNodeWithText("Burn").performClick()
        onNodeWithText("Step 2 of 3").assertExists()
        val bitmap = onRoot().captureToImage()
        assertTrue(bitmap.width > 0 && bitmap.height > 0)
        ImageIO.write(bitmap.toAwtImage(), "png", File(outDir, "probe-uitest-step2.png"))
    }
}
