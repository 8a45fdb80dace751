package org.tokenkiln.app.ui

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.math.abs
import kotlin.math.min

/**
 * The camera preview transform, checked the way the screen composes it: the view stretches
 * the upright content (buffer height × buffer width) to its size, then applies the matrix.
 * The result must keep the content's aspect ratio (turned by the display rotation), cover
 * the view and be centred on it.
 */
class PreviewGeometryTest {
    private fun apply(m: FloatArray, x: Double, y: Double) =
        (m[0] * x + m[1] * y + m[2]) to (m[3] * x + m[4] * y + m[5])

    private fun check(viewW: Int, viewH: Int, bufferW: Int, bufferH: Int, rotation: Int) {
        val m = previewTransformValues(viewW, viewH, bufferW, bufferH, rotation)
        val cw = bufferH.toDouble()
        val ch = bufferW.toDouble()
        // content corners → stretched into the view → transformed
        val corners = listOf(0.0 to 0.0, cw to 0.0, 0.0 to ch, cw to ch).map { (x, y) ->
            apply(m, x * viewW / cw, y * viewH / ch)
        }
        val xs = corners.map { it.first }
        val ys = corners.map { it.second }
        val w = xs.max() - xs.min()
        val h = ys.max() - ys.min()
        val turned = rotation % 2 == 1
        val (rw, rh) = if (turned) ch to cw else cw to ch
        val where = "view ${viewW}x$viewH, buffer ${bufferW}x$bufferH, rotation $rotation"
        assertEquals(rw / rh, w / h, 1e-3, "aspect ratio kept: $where")
        assertTrue(w >= viewW - 1e-3 && h >= viewH - 1e-3, "covers the view: $where ($w x $h)")
        assertTrue(min(w - viewW, h - viewH) < 1e-3, "crops only one way: $where")
        assertEquals(viewW / 2.0, (xs.max() + xs.min()) / 2, 1e-3, "centred: $where")
        assertEquals(viewH / 2.0, (ys.max() + ys.min()) / 2, 1e-3, "centred: $where")
        // the content's top-left corner ends where the display rotation puts it
        val (x0, y0) = corners[0]
        val (expectX, expectY) = when (rotation) {
            0 -> xs.min() to ys.min()
            1 -> xs.min() to ys.max() // turned back a quarter: top-left goes to bottom-left
            2 -> xs.max() to ys.max()
            else -> xs.max() to ys.min()
        }
        assertTrue(abs(x0 - expectX) < 1e-3 && abs(y0 - expectY) < 1e-3, "orientation: $where ($x0, $y0)")
    }

    @Test
    fun `the preview keeps its proportions, fills the view and is upright in every rotation`() {
        for (rotation in 0..3) {
            check(1080, 840, 1280, 720, rotation) // portrait phone, 280 dp preview box
            check(840, 1080, 1280, 720, rotation)
            check(2400, 900, 1920, 1080, rotation) // landscape phone
            check(1000, 1000, 640, 480, rotation)
        }
    }

    @Test
    fun `nonsense sizes give the identity`() {
        val id = previewTransformValues(0, 100, 1280, 720, 0).toList()
        assertEquals(listOf(1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f), id)
    }
}
