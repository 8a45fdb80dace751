package org.tokenkiln.app.ui

import kotlin.math.max

/**
 * The TextureView transform (row-major 3×3 values for `Matrix.setValues`) that shows a
 * camera preview buffer of [bufferW]×[bufferH] pixels (landscape, as the sensor delivers
 * it) upright and undistorted in a [viewW]×[viewH] view, filling it (centre crop), when the
 * display is turned by [rotation] quarter turns (`Surface.ROTATION_0..270` = 0..3).
 *
 * The camera already turns the picture upright for the phone's natural (portrait)
 * orientation, so the content is [bufferH] wide and [bufferW] tall, and the view first
 * stretches it to its own size. This transform undoes the stretch, scales uniformly to
 * cover the view, and turns the picture back by the display rotation, all about the
 * view's centre. Pure arithmetic (tested on the JVM); not run on a device here.
 */
fun previewTransformValues(viewW: Int, viewH: Int, bufferW: Int, bufferH: Int, rotation: Int): FloatArray {
    val identity = floatArrayOf(1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f)
    if (viewW <= 0 || viewH <= 0 || bufferW <= 0 || bufferH <= 0) return identity
    val vw = viewW.toDouble()
    val vh = viewH.toDouble()
    val cw = bufferH.toDouble() // upright content width
    val ch = bufferW.toDouble()
    val quarter = Math.floorMod(rotation, 4)
    // the content as it will lie on screen, and the uniform scale that covers the view
    val (rw, rh) = if (quarter % 2 == 1) ch to cw else cw to ch
    val s = max(vw / rw, vh / rh)
    // turn back by the display rotation: -90° per quarter turn (y points down)
    val (cos, sin) = when (quarter) {
        0 -> 1.0 to 0.0
        1 -> 0.0 to -1.0
        2 -> -1.0 to 0.0
        else -> 0.0 to 1.0
    }
    // M = T(centre) · s·R · D · T(-centre), D = diag(cw/vw, ch/vh) undoes the stretch
    val dx = cw / vw
    val dy = ch / vh
    val a = s * cos * dx
    val b = -s * sin * dy
    val c = s * sin * dx
    val d = s * cos * dy
    val cx = vw / 2
    val cy = vh / 2
    val tx = cx - (a * cx + b * cy)
    val ty = cy - (c * cx + d * cy)
    return floatArrayOf(a.toFloat(), b.toFloat(), tx.toFloat(), c.toFloat(), d.toFloat(), ty.toFloat(), 0f, 0f, 1f)
}
