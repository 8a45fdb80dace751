package org.tokenkiln.app.shell

import android.content.ClipData
import android.content.ClipboardManager
import android.content.ContentResolver
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.net.Uri
import android.os.Build

/** Seeds arriving from other apps (share sheet, otpauth links) and from the clipboard. */
object SharedContent {
    /** URI schemes opened with ACTION_VIEW (links tapped in a browser or another app). */
    val LINK_SCHEMES: Set<String> = setOf("otpauth", "otpauth-migration")

    /**
     * The text of an ACTION_SEND / text/\* intent (an otpauth:// link), or the link of an
     * ACTION_VIEW intent for an otpauth:// or otpauth-migration:// URI; else null.
     */
    fun text(intent: Intent): String? = when (intent.action) {
        Intent.ACTION_SEND ->
            if (intent.type?.startsWith("text/") == true) intent.getCharSequenceExtra(Intent.EXTRA_TEXT)?.toString() else null
        Intent.ACTION_VIEW ->
            intent.data?.takeIf { it.scheme?.lowercase() in LINK_SCHEMES }?.toString()
        else -> null
    }

    /** The image of an ACTION_SEND / image/\* intent, else null. */
    fun imageUri(intent: Intent): Uri? {
        if (intent.action != Intent.ACTION_SEND) return null
        if (intent.type?.startsWith("image/") != true) return null
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            intent.getParcelableExtra(Intent.EXTRA_STREAM, Uri::class.java)
        } else {
            @Suppress("DEPRECATION")
            intent.getParcelableExtra(Intent.EXTRA_STREAM)
        }
    }

    /**
     * A shared image as 8-bit luma (rowStride = width) for the QR decoder, downscaled so
     * the longer side is at most [maxSide] pixels. Null when it cannot be decoded.
     */
    fun luma(resolver: ContentResolver, uri: Uri, maxSide: Int = 2000): Triple<ByteArray, Int, Int>? = try {
        decodeLuma(resolver, uri, maxSide)
    } catch (_: java.io.IOException) {
        null
    } catch (_: SecurityException) {
        null // the sharing app revoked access
    } catch (_: OutOfMemoryError) {
        null
    }

    private fun decodeLuma(resolver: ContentResolver, uri: Uri, maxSide: Int): Triple<ByteArray, Int, Int>? {
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        resolver.openInputStream(uri)?.use { BitmapFactory.decodeStream(it, null, bounds) } ?: return null
        var sample = 1
        while (maxOf(bounds.outWidth, bounds.outHeight) / sample > maxSide) sample *= 2
        val opts = BitmapFactory.Options().apply {
            inSampleSize = sample
            inPreferredConfig = Bitmap.Config.ARGB_8888
        }
        val bitmap = resolver.openInputStream(uri)?.use { BitmapFactory.decodeStream(it, null, opts) } ?: return null
        val w = bitmap.width
        val h = bitmap.height
        val pixels = IntArray(w * h)
        bitmap.getPixels(pixels, 0, w, 0, 0, w, h)
        // The picture may show a seed's QR code: clear the bitmap's pixels before freeing it.
        bitmap.eraseColor(0)
        bitmap.recycle()
        val luma = ByteArray(w * h)
        for (i in pixels.indices) {
            val p = pixels[i]
            val r = (p shr 16) and 0xFF
            val g = (p shr 8) and 0xFF
            val b = p and 0xFF
            // ITU-R BT.601 luma, integer form
            luma[i] = ((r * 77 + g * 150 + b * 29) shr 8).toByte()
        }
        pixels.fill(0)
        return Triple(luma, w, h)
    }

    /** The clipboard's text, and the clipboard cleared (a seed must not linger there). */
    /** Clears the clipboard if it holds [text] (pasted into a secret field by the keyboard). */
    fun clearClipboardIfHolds(clipboard: ClipboardManager, text: String) {
        val clip = clipboard.primaryClip ?: return
        val held = (0 until clip.itemCount).mapNotNull { clip.getItemAt(it).text?.toString()?.trim() }
        if (held.any { it.isNotEmpty() && it == text.trim() }) clear(clipboard)
    }

    private fun clear(clipboard: ClipboardManager) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            clipboard.clearPrimaryClip()
        } else {
            clipboard.setPrimaryClip(ClipData.newPlainText("", ""))
        }
    }

    fun takeClipboardText(clipboard: ClipboardManager): String? {
        val clip = clipboard.primaryClip ?: return null
        val text = (0 until clip.itemCount).firstNotNullOfOrNull { clip.getItemAt(it).text?.toString() }
        clear(clipboard)
        return text
    }
}
