package org.tokenkiln.app.shell

import android.content.ContentResolver
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.provider.OpenableColumns
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.view.HapticFeedbackConstants
import android.view.View
import org.tokenkiln.app.wizard.BatchHaptic
import org.tokenkiln.app.wizard.BatchState
import org.tokenkiln.app.wizard.JournalSecrets
import java.io.File
import java.io.OutputStream
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The system pickers of "Enrol many tokens": no storage permission, the user picks each file.
 * The intents go to `ActivityResultContracts.StartActivityForResult` (or the framework's
 * `startActivityForResult`); the Uri that comes back is read or written here.
 */
object BatchDocuments {
    /** Largest seed file or UPN map read (the batch library refuses larger seed files too). */
    const val MAX_BYTES = 16 * 1024 * 1024

    /** Open a seed file (CSV, DualShield XML, or either age-encrypted) or a UPN map. */
    fun openIntent(): Intent = Intent(Intent.ACTION_OPEN_DOCUMENT)
        .addCategory(Intent.CATEGORY_OPENABLE)
        .setType("*/*")

    /** Create the export: an ASCII-armored age file named after the format and the day. */
    fun createExportIntent(format: String, day: String): Intent = Intent(Intent.ACTION_CREATE_DOCUMENT)
        .addCategory(Intent.CATEGORY_OPENABLE)
        .setType("application/octet-stream")
        .putExtra(Intent.EXTRA_TITLE, "tokenkiln-$format-$day.age")

    /** The picked file's display name and bytes; null when it cannot be read or is too large. */
    fun read(resolver: ContentResolver, uri: Uri): Pair<String, ByteArray>? = try {
        val name = resolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { c ->
            if (c.moveToFirst()) c.getString(0) else null
        } ?: uri.lastPathSegment ?: "file"
        val bytes = resolver.openInputStream(uri)?.use { input ->
            val out = java.io.ByteArrayOutputStream()
            val buf = ByteArray(64 * 1024)
            while (true) {
                val n = input.read(buf)
                if (n < 0) break
                out.write(buf, 0, n)
                if (out.size() > MAX_BYTES) return null
            }
            out.toByteArray()
        }
        bytes?.let { name to it }
    } catch (e: Exception) {
        null
    }

    /** The stream the wizard writes the export to ("wt": a picked existing file is replaced). */
    fun exportStream(resolver: ContentResolver, uri: Uri): OutputStream? = try {
        resolver.openOutputStream(uri, "wt")
    } catch (e: Exception) {
        null
    }
}

/** A distinct haptic and a TalkBack sentence per batch result. No VIBRATE permission needed. */
object BatchFeedback {
    fun play(view: View, state: BatchState.Tapping) {
        val haptic = state.haptic ?: return
        state.announcement?.let { view.announceForAccessibility(it) }
        val modern = Build.VERSION.SDK_INT >= Build.VERSION_CODES.R
        val constant = when (haptic) {
            BatchHaptic.Success -> if (modern) HapticFeedbackConstants.CONFIRM else HapticFeedbackConstants.LONG_PRESS
            BatchHaptic.Retap -> if (modern) HapticFeedbackConstants.GESTURE_START else HapticFeedbackConstants.KEYBOARD_TAP
            BatchHaptic.Refused -> if (modern) HapticFeedbackConstants.REJECT else HapticFeedbackConstants.LONG_PRESS
            BatchHaptic.Skipped -> HapticFeedbackConstants.CONTEXT_CLICK
        }
        view.performHapticFeedback(constant)
    }
}

/**
 * The batch journal's passphrase when the export goes to an age public key: 32 random bytes,
 * stored in app-private storage encrypted with an AES-GCM key that never leaves the Android
 * Keystore. Clearing the app's data removes both, and the journals with them.
 */
class KeystoreJournalSecrets(context: Context) : JournalSecrets {
    private val file = File(context.noBackupFilesDir, "batch-journal-secret.bin")

    override fun deviceSecret(): ByteArray = synchronized(LOCK) {
        if (file.isFile) return open(file.readBytes())
        val secret = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        val sealed = cipher.iv + cipher.doFinal(secret)
        val tmp = File(file.parentFile, file.name + ".tmp")
        tmp.outputStream().use { it.write(sealed); it.fd.sync() }
        tmp.renameTo(file)
        secret
    }

    private fun open(sealed: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, sealed.copyOfRange(0, IV_BYTES)))
        return cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    private fun key(): SecretKey {
        val store = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (store.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        gen.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return gen.generateKey()
    }

    private companion object {
        val LOCK = Any()
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "tokenkiln-batch-journal"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}
