package org.tokenkiln.app.ui

import androidx.compose.ui.graphics.toArgb
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.test.SemanticsNodeInteractionsProvider
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onRoot
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import java.io.File
import javax.imageio.ImageIO

/** Where rendered screens are written: target/screens, and docs/screens with -Dkiln.updateScreens=true. */
internal val screenOutDirs: List<File> by lazy {
    buildList {
        add(File(System.getProperty("kiln.screens.out", "target/screens")))
        if (System.getProperty("kiln.updateScreens") == "true") add(File(System.getProperty("kiln.screens.docs", "../../docs/screens")))
    }.onEach { it.mkdirs() }
}

/**
 * The checks every rendered screen passes, then its PNG: each of [texts] is in some text node,
 * the image is 720 px wide and [heightDp] × 2 high, the dark theme's background is at the
 * bottom-left corner, and more than 30 colours were drawn.
 */
internal fun SemanticsNodeInteractionsProvider.checkAndSaveShot(name: String, texts: List<String>, heightDp: Int) {
    for (text in texts) {
        val found = onAllNodesWithText(text, substring = true, useUnmergedTree = true).fetchSemanticsNodes()
        assertTrue(found.isNotEmpty(), "$name: no text node contains '$text'")
    }
    val image = onRoot().captureToImage().toAwtImage()
    assertEquals(720, image.width)
    assertEquals(heightDp * 2, image.height)
    assertEquals(KilnColors.background.toArgb(), image.getRGB(4, image.height - 4), "dark theme background at the bottom-left corner")
    val colours = HashSet<Int>()
    for (y in 0 until image.height step 3) for (x in 0 until image.width step 3) colours += image.getRGB(x, y)
    assertTrue(colours.size > 30, "$name: only ${colours.size} colours, nothing drawn?")
    for (dir in screenOutDirs) ImageIO.write(image, "png", File(dir, "$name.png"))
}
