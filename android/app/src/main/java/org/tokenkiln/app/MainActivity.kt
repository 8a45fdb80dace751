package org.tokenkiln.app

import android.Manifest
import android.annotation.SuppressLint
import android.app.AlertDialog
import android.app.Application
import android.content.ActivityNotFoundException
import android.content.ClipboardManager
import android.content.Intent
import android.content.pm.ActivityInfo
import android.content.pm.PackageManager
import android.graphics.Matrix
import android.graphics.SurfaceTexture
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.provider.Settings
import android.view.HapticFeedbackConstants
import android.view.TextureView
import android.view.WindowManager
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.activity.OnBackPressedCallback
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableLongStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.viewinterop.AndroidView
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.ViewModelProvider
import org.tokenkiln.app.shell.CameraFrames
import org.tokenkiln.app.shell.NetworkClock
import org.tokenkiln.app.shell.QrFrames
import org.tokenkiln.app.ui.previewTransformValues
import org.tokenkiln.app.shell.ReaderMode
import org.tokenkiln.app.shell.SharedContent
import org.tokenkiln.app.ui.Haptic
import org.tokenkiln.app.ui.S
import org.tokenkiln.app.ui.ShellUi
import org.tokenkiln.app.ui.Strings
import org.tokenkiln.app.ui.WizardScreen
import org.tokenkiln.app.ui.cueFor
import org.tokenkiln.app.ui.showsSeedData
import org.tokenkiln.app.wizard.CoreSessions
import org.tokenkiln.app.wizard.InputMode
import org.tokenkiln.app.wizard.Wizard
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.WizardState
import org.tokenkiln.core.ImageScan
import org.tokenkiln.core.UnreadableHint
import org.tokenkiln.core.initLogging

/** Keeps the wizard (and the seed it holds, in Rust memory) across rotations; never saved to disk. */
class WizardHolder(app: Application) : AndroidViewModel(app) {
    init {
        initLogging() // the core's log to logcat (tag "kiln"); repeated calls are harmless
    }

    val wizard = Wizard(CoreSessions, NetworkClock(app.getString(R.string.clock_network), app.getString(R.string.clock_phone)))
}

/**
 * The thin Android shell: Compose screens, NFC reader mode, camera frames, share intents,
 * clipboard, haptics and TalkBack cues around the pure [Wizard].
 */
class MainActivity : ComponentActivity() {
    private lateinit var wizard: Wizard
    private lateinit var reader: ReaderMode
    private lateinit var qr: QrFrames
    private var camera: CameraFrames? = null

    private var state by mutableStateOf<WizardState>(WizardState.GetSeed())
    private var nowSecs by mutableLongStateOf(0L)
    private var torchOn by mutableStateOf(false)
    private var cameraTorch by mutableStateOf(false)
    private var resumed = false

    /** The camera preview's surface while the TextureView has one (it outlives onPause). */
    private var previewSurface: SurfaceTexture? = null
    private var previewView: TextureView? = null
    private var askingPermission = false

    private val strings = object : Strings {
        // Looked up by name: res/raw/keep.xml keeps them through shrinking, and a JVM test
        // checks S.kt and strings.xml list the same names.
        @SuppressLint("DiscouragedApi")
        override fun text(key: S, vararg args: Any): String {
            val id = resources.getIdentifier(key.name, "string", packageName)
            return getString(id, *args)
        }
    }

    private val listener: (WizardState) -> Unit = { s -> runOnUiThread { show(s) } }

    /** Granted: the camera opens (here, or in onResume, which follows the permission dialog). */
    private val cameraPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        askingPermission = false
        if (granted) {
            startCamera()
        } else {
            wizard.dispatch(WizardEvent.ChooseInputMode(InputMode.Type))
            if (shouldShowRequestPermissionRationale(Manifest.permission.CAMERA)) {
                Toast.makeText(this, strings.text(S.camera_permission), Toast.LENGTH_LONG).show()
            } else {
                permanentlyDenied()
            }
        }
    }

    /** System back goes to the wizard's previous step; on the first screen it leaves the app. */
    private val back = object : OnBackPressedCallback(false) {
        override fun handleOnBackPressed() {
            wizard.dispatch(WizardEvent.Back)
        }
    }

    private val ticker = object : Runnable {
        override fun run() {
            nowSecs = wizard.referenceSecs(state)
            window.decorView.postDelayed(this, 1000L - System.currentTimeMillis() % 1000L)
        }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        wizard = ViewModelProvider(this)[WizardHolder::class.java].wizard
        reader = ReaderMode(this) { link, facts -> wizard.dispatch(WizardEvent.TokenTapped(link, facts)) }
        qr = QrFrames(wizard)
        wizard.addListener(listener)
        onBackPressedDispatcher.addCallback(this, back)
        state = wizard.state
        back.isEnabled = !(state is WizardState.GetSeed && (state as WizardState.GetSeed).problem == null)
        applySecure(state)
        applyOrientation(state)
        if (savedInstanceState == null) receive(intent)
        // A batch the app was killed in: reopening offers to continue or export it.
        if (savedInstanceState == null && intent?.action == Intent.ACTION_MAIN &&
            org.tokenkiln.app.wizard.BatchStore(java.io.File(noBackupFilesDir, "batches")).current() != null
        ) {
            startActivity(Intent(this, BatchActivity::class.java))
        }

        setContent {
            val shell = ShellUi(
                nowSecs = nowSecs,
                cameraPreview = { modifier ->
                    AndroidView(factory = { ctx -> TextureView(ctx).also { attachCamera(it) } }, modifier = modifier)
                },
                torchOn = torchOn,
                onTorch = if (cameraTorch) { on -> camera?.let { it.setTorch(on); torchOn = on } } else null,
                onZoom = { zoomIn -> camera?.stepZoom(zoomIn) },
                onPaste = { getSystemService(ClipboardManager::class.java)?.let { SharedContent.takeClipboardText(it) } },
                onInserted = { text -> getSystemService(ClipboardManager::class.java)?.let { SharedContent.clearClipboardIfHolds(it, text) } },
                antennaHint = reader.antennaHint { _, y ->
                    getString(if (y < 0.34f) R.string.antenna_top else if (y > 0.66f) R.string.antenna_bottom else R.string.antenna_middle)
                },
                antennaY = reader.antennaPosition()?.second,
                nfcEnabled = reader.enabled,
                nfcPresent = reader.available,
                onNfcSettings = reader::openSettings,
                onShareText = ::shareText,
                onBatch = { startActivity(Intent(this, BatchActivity::class.java)) },
            )
            WizardScreen(state, strings, shell) { e -> wizard.dispatch(e) }
        }
    }

    /** The system share sheet with [text] (a first-contact report the user has read). */
    private fun shareText(text: String) {
        val send = Intent(Intent.ACTION_SEND).apply {
            type = "text/plain"
            putExtra(Intent.EXTRA_SUBJECT, "tokenkiln first-contact report")
            putExtra(Intent.EXTRA_TEXT, text)
        }
        startActivity(Intent.createChooser(send, null))
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        receive(intent)
    }

    override fun onResume() {
        super.onResume()
        resumed = true
        reader.enable()
        ticker.run()
        startCamera() // after lock/unlock or an app switch the preview surface is still there
    }

    override fun onPause() {
        resumed = false
        reader.disable()
        window.decorView.removeCallbacks(ticker)
        closeCamera()
        super.onPause()
    }

    override fun onDestroy() {
        wizard.removeListener(listener)
        super.onDestroy()
    }

    private fun show(next: WizardState) {
        val previous = state
        state = next
        back.isEnabled = !(next is WizardState.GetSeed && next.problem == null)
        applySecure(next)
        applyOrientation(next)
        if (wantsCamera(next)) startCamera() else closeCamera()
        cueFor(previous, next, strings)?.let { cue ->
            val view = window.decorView
            @Suppress("DEPRECATION") // the replacement (pane titles / live regions) also speaks; this is immediate
            view.announceForAccessibility(cue.speech)
            val feedback = when (cue.haptic) {
                Haptic.None -> null
                Haptic.Tick -> HapticFeedbackConstants.VIRTUAL_KEY
                Haptic.Success -> if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) HapticFeedbackConstants.CONFIRM else HapticFeedbackConstants.LONG_PRESS
                Haptic.Error -> if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) HapticFeedbackConstants.REJECT else HapticFeedbackConstants.LONG_PRESS
            }
            feedback?.let { view.performHapticFeedback(it) }
        }
    }

    /** Screenshots and the recents thumbnail are blocked while seed data is on screen. */
    private fun applySecure(s: WizardState) {
        if (s.showsSeedData()) {
            window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        } else {
            window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
    }

    /**
     * No rotation while a token is (or may come back) in the field: a rotation rebuilds the
     * activity, and onPause switches reader mode off, cutting the contact.
     */
    private fun applyOrientation(s: WizardState) {
        val tokenInField = s is WizardState.Hold || s is WizardState.InContact || (s is WizardState.Failed && s.tapAgain)
        val want = if (tokenInField) ActivityInfo.SCREEN_ORIENTATION_LOCKED else ActivityInfo.SCREEN_ORIENTATION_UNSPECIFIED
        if (requestedOrientation != want) requestedOrientation = want
    }

    private fun wantsCamera(s: WizardState) = s is WizardState.GetSeed && s.mode == InputMode.Scan

    private fun receive(intent: Intent?) {
        intent ?: return
        SharedContent.text(intent)?.let {
            wizard.dispatch(WizardEvent.Shared(it))
            return
        }
        val uri = SharedContent.imageUri(intent) ?: return
        Thread {
            val problem = when (val r = qr.onSharedImage(contentResolver, uri)) {
                is ImageScan.Found -> null
                is ImageScan.NoCode -> S.share_image_no_qr
                is ImageScan.Unreadable -> when (r.hint) {
                    UnreadableHint.MOVE_CLOSER -> S.share_image_small
                    UnreadableHint.HOLD_STEADY -> S.share_image_unreadable
                }
            }
            if (problem != null) {
                runOnUiThread { Toast.makeText(this, strings.text(problem), Toast.LENGTH_LONG).show() }
            }
        }.start()
    }

    private fun attachCamera(view: TextureView) {
        previewView = view
        view.surfaceTextureListener = object : TextureView.SurfaceTextureListener {
            override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) {
                previewSurface = surface
                startCamera()
            }

            override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) = fitPreview()

            override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean {
                if (previewSurface === surface) previewSurface = null
                closeCamera()
                return true
            }

            override fun onSurfaceTextureUpdated(surface: SurfaceTexture) {}
        }
    }

    /** Opens the camera if the scan screen shows a preview surface, the app is in front and none is open. */
    private fun startCamera() {
        val surface = previewSurface ?: return
        if (!resumed || camera != null || askingPermission || !wantsCamera(state)) return
        if (checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            openCamera(surface)
        } else {
            askingPermission = true
            cameraPermission.launch(Manifest.permission.CAMERA)
        }
    }

    private fun openCamera(surface: SurfaceTexture) {
        closeCamera()
        lateinit var frames: CameraFrames
        frames = CameraFrames(
            this,
            onLuma = qr::onFrame, // camera thread, one frame at a time
            // Any thread, possibly inside open(): handled on the UI thread, for this camera only.
            onError = { window.decorView.post { if (camera === frames) cameraFailed() } },
        )
        camera = frames
        if (frames.open(surface)) {
            cameraTorch = frames.hasTorch
            fitPreview()
        }
    }

    /** Upright, undistorted preview (centre crop) for the current display rotation. */
    private fun fitPreview() {
        val view = previewView ?: return
        val size = camera?.bufferSize ?: return
        @Suppress("DEPRECATION") // Activity.display needs API 30; minSdk is 26
        val rotation = windowManager.defaultDisplay.rotation
        val values = previewTransformValues(view.width, view.height, size.width, size.height, rotation)
        view.setTransform(Matrix().apply { setValues(values) })
    }

    /** The camera is disabled, in use or failed: say so and switch to typing. */
    private fun cameraFailed() {
        closeCamera()
        Toast.makeText(this, strings.text(S.camera_unavailable), Toast.LENGTH_LONG).show()
        wizard.dispatch(WizardEvent.ChooseInputMode(InputMode.Type))
    }

    /** The camera permission was refused for good: explain, and offer the app's settings page. */
    private fun permanentlyDenied() {
        AlertDialog.Builder(this)
            .setMessage(strings.text(S.camera_permission))
            .setPositiveButton(strings.text(S.camera_app_settings)) { _, _ ->
                try {
                    startActivity(Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)))
                } catch (_: ActivityNotFoundException) {
                    Toast.makeText(this, strings.text(S.camera_permission), Toast.LENGTH_LONG).show()
                }
            }
            .setNegativeButton(strings.text(S.mode_type), null)
            .show()
    }

    private fun closeCamera() {
        camera?.close()
        camera = null
        torchOn = false
        cameraTorch = false
    }
}
