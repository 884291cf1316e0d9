global using NUnit.Framework;
global using EscRotators.LocalRuntime;
