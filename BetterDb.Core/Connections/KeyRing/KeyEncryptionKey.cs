using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Connections.KeyRing;

/// <summary>
/// A 256-bit key that encrypts the Data Protection key ring at rest (AES-256-GCM). It comes from outside the data
/// directory (an environment variable or a file), so a copy of the data folder alone holds only ciphertext.
/// </summary>
public sealed class KeyEncryptionKey
{
    internal KeyEncryptionKey(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("A key-encryption key is 32 bytes.", nameof(key));
        Key = key;
        // Names the key in each encrypted element without revealing it, so a wrong key is told apart from a damaged file.
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    internal byte[] Key { get; }
    public string Id { get; }

    /// <summary>Base64 of 32 bytes (what <c>openssl rand -base64 32</c> prints), or a file of exactly 32 raw bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> material, out KeyEncryptionKey? key)
    {
        key = null;
        if (material.Length == 32 && !IsBase64Text(material))
        {
            key = new KeyEncryptionKey(material.ToArray());
            return true;
        }
        var text = System.Text.Encoding.ASCII.GetString(material).Trim();
        try
        {
            var bytes = Convert.FromBase64String(text);
            if (bytes.Length != 32) return false;
            key = new KeyEncryptionKey(bytes);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsBase64Text(ReadOnlySpan<byte> material)
    {
        foreach (var b in material)
            if (!(b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/' or (byte)'=' or (byte)'\n' or (byte)'\r'))
                return false;
        return true;
    }
}

/// <summary>
/// Encrypts a key ring element with AES-256-GCM under the <see cref="KeyEncryptionKey"/>. Hand-written because Data
/// Protection ships only Windows DPAPI and certificate encryptors; a GCM tag makes any change to the file an error.
/// </summary>
public sealed class AesGcmXmlEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    internal static readonly XName ElementName = "betterDbEncryptedKey";
    internal static ReadOnlySpan<byte> AssociatedData => "BetterDb.DataProtection.KeyRing.v1"u8;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key.Key, tag.Length))
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(ElementName,
            new XAttribute("algorithm", "AES-256-GCM"),
            new XAttribute("keyId", key.Id),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="AesGcmXmlEncryptor"/> wrote; Data Protection creates it with the app's services.</summary>
public sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetService<KeyEncryptionKey>()
                  ?? throw new CryptographicException(
                      "The Data Protection key ring is encrypted with a key-encryption key, but none is configured: set BetterDb:DataProtection:KeyFile or BetterDb:DataProtection:Key.");
        var keyId = (string?)encryptedElement.Attribute("keyId");
        if (keyId != key.Id)
            throw new CryptographicException(
                $"The Data Protection key ring was encrypted with another key-encryption key (id {keyId}, configured {key.Id}).");
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key.Key, tag.Length))
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AesGcmXmlEncryptor.AssociatedData);
        try
        {
            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
