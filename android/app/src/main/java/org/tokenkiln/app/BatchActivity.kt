package org.tokenkiln.app

import android.Manifest
import android.annotation.SuppressLint
import android.app.Application
import android.content.ClipboardManager
import android.content.pm.PackageManager
import android.graphics.SurfaceTexture
import android.os.Bundle
import android.view.TextureView
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.OnBackPressedCallback
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.viewinterop.AndroidView
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.ViewModelProvider
import org.tokenkiln.app.shell.BatchDocuments
import org.tokenkiln.app.shell.BatchFeedback
import org.tokenkiln.app.shell.CameraFrames
import org.tokenkiln.app.shell.KeystoreJournalSecrets
import org.tokenkiln.app.shell.NetworkClock
import org.tokenkiln.app.shell.ReaderMode
import org.tokenkiln.app.shell.SharedContent
import org.tokenkiln.app.ui.BatchScreen
import org.tokenkiln.app.ui.BatchShellUi
import org.tokenkiln.app.ui.S
import org.tokenkiln.app.ui.Strings
import org.tokenkiln.app.wizard.BatchEvent
import org.tokenkiln.app.wizard.BatchState
import org.tokenkiln.app.wizard.BatchStore
import org.tokenkiln.app.wizard.BatchWizard
import org.tokenkiln.app.wizard.RecipientScan
import java.io.File
import java.time.LocalDate
import java.util.concurrent.Executors

/** Keeps the batch wizard across rotations. The journal itself is on disk (app-private). */
class BatchHolder(app: Application) : AndroidViewModel(app) {
    val wizard = BatchWizard(
        BatchStore(File(app.noBackupFilesDir, "batches")),
        KeystoreJournalSecrets(app),
        NetworkClock(app.getString(R.string.clock_network), app.getString(R.string.clock_phone)),
    )

    /** Opening a journal (scrypt) and saving an export block: off the UI thread, one at a time. */
    val worker = Executors.newSingleThreadExecutor()

    override fun onCleared() {
        worker.shutdown()
    }
}

/**
 * "Enrol many tokens": the thin shell around [BatchWizard]. Reader mode delivers each token to
 * one batch turn (on the NFC thread); the system pickers open the seed file and UPN map and
 * create the export; haptics and TalkBack per result. FLAG_SECURE only while a passphrase is
 * on screen.
 */
class BatchActivity : ComponentActivity() {
    private lateinit var holder: BatchHolder
    private lateinit var reader: ReaderMode
    private var state by mutableStateOf<BatchState>(BatchState.Opening(resuming = false))

    private val strings = object : Strings {
        @SuppressLint("DiscouragedApi")
        override fun text(key: S, vararg args: Any): String =
            getString(resources.getIdentifier(key.name, "string", packageName), *args)
    }

    /** Scanning the admin's key: the camera runs only while the preview is on screen. */
    private var scanning by mutableStateOf(false)
    private var camera: CameraFrames? = null

    private val cameraPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) scanning = true
    }

    private val listener: (BatchState) -> Unit = { s -> runOnUiThread { show(s) } }

    private var pickingUpnMap = false
    private val openDocument = registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { result ->
        val uri = result.data?.data ?: return@registerForActivityResult
        val upn = pickingUpnMap
        holder.worker.execute {
            val (name, bytes) = BatchDocuments.read(contentResolver, uri) ?: return@execute
            holder.wizard.dispatch(
                if (upn) BatchEvent.UpnMapPicked(name, String(bytes, Charsets.UTF_8)) else BatchEvent.SeedFilePicked(name, bytes),
            )
        }
    }

    private val createDocument = registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { result ->
        val uri = result.data?.data ?: return@registerForActivityResult
        holder.worker.execute {
            BatchDocuments.exportStream(contentResolver, uri)?.let { holder.wizard.dispatch(BatchEvent.SaveExport(it)) }
        }
    }

    private val back = object : OnBackPressedCallback(true) {
        override fun handleOnBackPressed() {
            val s = state
            if (s is BatchState.Export) holder.wizard.dispatch(BatchEvent.Back) else finish()
        }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        holder = ViewModelProvider(this)[BatchHolder::class.java]
        reader = ReaderMode(this) { link, _ -> holder.wizard.dispatch(BatchEvent.TokenTapped(link)) }
        holder.wizard.addListener(listener)
        onBackPressedDispatcher.addCallback(this, back)
        show(holder.wizard.state)
        setContent {
            val shell = BatchShellUi(
                onPickSeedFile = { pickingUpnMap = false; openDocument.launch(BatchDocuments.openIntent()) },
                onScanRecipient = {
                    if (checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
                        scanning = true
                    } else {
                        cameraPermission.launch(Manifest.permission.CAMERA)
                    }
                },
                recipientPreview = if (scanning && state is BatchState.Settings) {
                    { modifier -> AndroidView(factory = { ctx -> TextureView(ctx).also(::attachCamera) }, modifier = modifier) }
                } else {
                    null
                },
                onPaste = { getSystemService(ClipboardManager::class.java)?.let { SharedContent.takeClipboardText(it) } },
                onPickUpnMap = { pickingUpnMap = true; openDocument.launch(BatchDocuments.openIntent()) },
                onSaveExport = {
                    val format = (state as? BatchState.Export)?.format ?: "entra-csv"
                    createDocument.launch(BatchDocuments.createExportIntent(format, LocalDate.now().toString()))
                },
                nfcEnabled = reader.enabled,
            )
            BatchScreen(state, strings, shell) { e -> dispatch(e) }
        }
    }

    /** Blocking events go to the worker; the rest are instant. */
    private fun dispatch(e: BatchEvent) {
        when (e) {
            BatchEvent.Start, BatchEvent.Continue, BatchEvent.ExportNow -> holder.worker.execute { holder.wizard.dispatch(e) }
            else -> holder.wizard.dispatch(e)
        }
    }

    override fun onResume() {
        super.onResume()
        reader.enable()
    }

    /** Opens the camera on the preview's surface; frames go to [RecipientScan] until a key is found. */
    private fun attachCamera(view: TextureView) {
        view.surfaceTextureListener = object : TextureView.SurfaceTextureListener {
            override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) {
                stopCamera()
                val scan = RecipientScan(holder.wizard)
                lateinit var frames: CameraFrames
                frames = CameraFrames(
                    this@BatchActivity,
                    onLuma = { data, w, h, stride ->
                        scan.onFrame(data, w, h, stride)
                        if (scan.found) window.decorView.post { if (camera === frames) stopScan() }
                    },
                    onError = { window.decorView.post { if (camera === frames) stopScan() } },
                )
                camera = frames
                frames.open(surface)
            }

            override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) = Unit

            override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean {
                stopCamera()
                return true
            }

            override fun onSurfaceTextureUpdated(surface: SurfaceTexture) = Unit
        }
    }

    private fun stopCamera() {
        camera?.close()
        camera = null
    }

    private fun stopScan() {
        stopCamera()
        scanning = false
    }

    override fun onPause() {
        stopScan()
        reader.disable()
        super.onPause()
    }

    override fun onDestroy() {
        holder.wizard.removeListener(listener)
        super.onDestroy()
    }

    private fun show(next: BatchState) {
        val previous = state
        state = next
        if (next.secure) {
            window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        } else {
            window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
        if (next is BatchState.Tapping && next.haptic != null && next != previous) {
            BatchFeedback.play(window.decorView, next)
        }
    }
}
