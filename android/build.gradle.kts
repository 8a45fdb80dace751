// Top-level build file: plugin versions (from ../gradle/libs.versions.toml), plus the R8
// version: AGP 8.13's bundled R8 predates Kotlin 2.4 (see the comment at `r8` in that file).
buildscript {
    repositories {
        google()
    }
    dependencies {
        classpath(libs.r8)
    }
}

plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
