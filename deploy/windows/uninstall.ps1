<#
.SYNOPSIS
  Removes the CoppiceMonitor Windows service. Choose -KeepData or -PurgeData (retention policy decides which).
#>
[CmdletBinding()]
param(
    [string]$InstallDir = "$env:ProgramFiles\CoppiceMonitor",
    [string]$DataDir = "$env:ProgramData\CoppiceMonitor",
    [switch]$KeepData,
    [switch]$PurgeData
)
$ErrorActionPreference = 'Stop'
if ($KeepData -eq $PurgeData) {
    Write-Error "uninstall: say -KeepData or -PurgeData."
    exit 2
}
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Write-Error "uninstall: run this script in an elevated (Administrator) PowerShell."
    exit 1
}
if (Get-Service -Name coppice-monitor -ErrorAction SilentlyContinue) {
    Stop-Service coppice-monitor -ErrorAction SilentlyContinue
    sc.exe delete coppice-monitor | Out-Null
}
if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }
if ($PurgeData) {
    if (Test-Path $DataDir) { Remove-Item -Recurse -Force $DataDir }
    Write-Host "uninstall: removed the service, program and data."
} else {
    Write-Host "uninstall: removed the service and program; kept $DataDir."
}
